#!/usr/bin/python3
"""Tests of fonts/: the cut "Panel Sans" faces are reproducible, and every
file the renderer reads from the fonts folder has the digest committed in
fonts/fonts.sha256.

usage: fonts_test.py SOURCE_DIR BUILD_FONTS_DIR
"""
import hashlib
import importlib.util
import os
import sys
import tempfile
import unittest
from unittest import mock

SOURCE_DIR = BUILD_FONTS_DIR = None


def load_cut_fonts():
    path = os.path.join(SOURCE_DIR, "fonts", "cut_fonts.py")
    spec = importlib.util.spec_from_file_location("cut_fonts", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def committed():
    """fonts/fonts.sha256 as {relative path: digest}."""
    out = {}
    with open(os.path.join(SOURCE_DIR, "fonts", "fonts.sha256"), encoding="ascii") as f:
        for line in f:
            if line.strip() and not line.startswith("#"):
                digest, name = line.split()
                out[name] = digest
    return out


def cut_into(cut_fonts, out_dir, now):
    """Cuts the faces with the clock reading `now` (Unix seconds)."""
    src = os.path.join(SOURCE_DIR, "fonts", "liberation")
    with mock.patch("time.time", return_value=now):
        for style in cut_fonts.STYLES:
            cut_fonts.cut(os.path.join(src, f"LiberationSans-{style}.ttf"),
                          os.path.join(out_dir, f"PanelSans-{style}.ttf"), style)


class CutFontsTest(unittest.TestCase):
    def test_two_cuts_at_different_times_are_byte_identical(self):
        cut_fonts = load_cut_fonts()
        with tempfile.TemporaryDirectory() as a, tempfile.TemporaryDirectory() as b:
            # 2001 and 2033: any timestamp fontTools wrote would differ.
            cut_into(cut_fonts, a, 1_000_000_000.0)
            cut_into(cut_fonts, b, 2_000_000_000.0)
            names = sorted(os.listdir(a))
            self.assertEqual(names, sorted(f"PanelSans-{s}.ttf" for s in cut_fonts.STYLES))
            for name in names:
                self.assertEqual(sha256(os.path.join(a, name)), sha256(os.path.join(b, name)),
                                 f"{name}: two cuts differ")
            digests = committed()
            for name in names:
                self.assertEqual(sha256(os.path.join(a, name)), digests.get(name),
                                 f"{name}: a fresh cut differs from fonts/fonts.sha256")

    def test_cut_faces_keep_the_source_timestamps(self):
        from fontTools.ttLib import TTFont
        cut_fonts = load_cut_fonts()
        with tempfile.TemporaryDirectory() as out:
            cut_into(cut_fonts, out, 1_500_000_000.0)
            for style in cut_fonts.STYLES:
                src = TTFont(os.path.join(SOURCE_DIR, "fonts", "liberation",
                                          f"LiberationSans-{style}.ttf"))
                cut = TTFont(os.path.join(out, f"PanelSans-{style}.ttf"))
                self.assertEqual(cut["head"].modified, src["head"].modified, style)
                self.assertEqual(cut["head"].created, src["head"].created, style)


class CommittedDigestsTest(unittest.TestCase):
    def test_every_font_and_icc_file_of_the_build_matches_fonts_sha256(self):
        digests = committed()
        on_disk = set()
        for root, dirs, files in os.walk(BUILD_FONTS_DIR):
            dirs[:] = [d for d in dirs if d != "CMakeFiles"]
            for f in files:
                if f.endswith((".ttf", ".icc")):
                    on_disk.add(os.path.relpath(os.path.join(root, f), BUILD_FONTS_DIR))
        self.assertEqual(on_disk, set(digests),
                         "fonts/fonts.sha256 must list exactly the .ttf and .icc files the renderer reads")
        for name, digest in sorted(digests.items()):
            self.assertEqual(sha256(os.path.join(BUILD_FONTS_DIR, name)), digest,
                             f"{name} differs from fonts/fonts.sha256 (see README: 'Fonts')")


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    SOURCE_DIR, BUILD_FONTS_DIR = sys.argv[1], sys.argv[2]
    unittest.main(argv=sys.argv[:1], verbosity=2)
