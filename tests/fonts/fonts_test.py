#!/usr/bin/python3
"""Tests of fonts/: the cut "Panel Sans" and "Panel CJK" faces are
reproducible, and every file the renderer reads from the fonts folder has the
digest committed in fonts/fonts.sha256.

usage: fonts_test.py SOURCE_DIR BUILD_FONTS_DIR DROID_SANS_FALLBACK_TTF
"""
import hashlib
import importlib.util
import os
import sys
import tempfile
import unittest
from unittest import mock

SOURCE_DIR = BUILD_FONTS_DIR = DROID_SANS_FALLBACK = None


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


class CutCjkTest(unittest.TestCase):
    """One cut (~30 s), at a clock far from the build's: a timestamp written
    by fontTools would make it differ from the committed digest, which the
    build's own cut matches (CommittedDigestsTest)."""

    def test_a_cut_at_another_time_matches_fonts_sha256_and_keeps_the_timestamps(self):
        from fontTools.ttLib import TTFont
        cut_fonts = load_cut_fonts()
        with tempfile.TemporaryDirectory() as out:
            dst = os.path.join(out, "PanelCJK-Regular.ttf")
            with mock.patch("time.time", return_value=1_000_000_000.0):
                cut_fonts.cut_cjk(DROID_SANS_FALLBACK, dst)
            self.assertEqual(sha256(dst), committed().get("droid/PanelCJK-Regular.ttf"),
                             "a fresh CJK cut differs from fonts/fonts.sha256")
            src, cut = TTFont(DROID_SANS_FALLBACK), TTFont(dst)
            self.assertEqual(cut["head"].modified, src["head"].modified)
            self.assertEqual(cut["head"].created, src["head"].created)
            # Only the CJK ranges, and all of the source's characters in them.
            ranges = cut_fonts.CJK_RANGES
            in_ranges = lambda cp: any(a <= cp <= b for a, b in ranges)
            kept = set(cut.getBestCmap())
            self.assertTrue(all(in_ranges(cp) for cp in kept))
            self.assertEqual(kept, {cp for cp in src.getBestCmap() if in_ranges(cp)})
            self.assertEqual(len([cp for cp in kept if 0xAC00 <= cp <= 0xD7A3]), 11172)
            self.assertEqual(cut["name"].getDebugName(6), "PanelCJK-Regular")

    def test_another_source_face_is_refused_by_name(self):
        cut_fonts = load_cut_fonts()
        with tempfile.TemporaryDirectory() as out:
            with self.assertRaises(SystemExit) as e:
                cut_fonts.cut_cjk(os.path.join(SOURCE_DIR, "fonts", "dejavu", "DejaVuSans.ttf"),
                                  os.path.join(out, "x.ttf"))
            self.assertIn("expected " + cut_fonts.CJK_SOURCE_SHA256, str(e.exception))
            self.assertFalse(os.path.exists(os.path.join(out, "x.ttf")))


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
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    SOURCE_DIR, BUILD_FONTS_DIR, DROID_SANS_FALLBACK = sys.argv[1], sys.argv[2], sys.argv[3]
    unittest.main(argv=sys.argv[:1], verbosity=2)
