#!/usr/bin/python3
"""The Debian package, built and used the way an operator would (ctest: package.deb).

  package_test.py --build-dir BUILD --source-dir SRC --work-dir DIR --cli BUILD/bin/panelpaper

  1. `cmake --build BUILD --target package` (the programs are built already:
     nothing is recompiled; CPack installs, strips and packs them);
  2. the .deb's control fields: name, version, and runtime dependencies from
     dpkg-shlibdeps (libhpdf, gRPC, protobuf, ...);
  3. its contents: both programs, fonts with their licences and the .proto
     files under /usr/share/panelpaper, the systemd unit pointing at
     /usr/bin/panelpaperd, the example configuration;
  4. `dpkg -x` into a scratch root; the unpacked `panelpaper` renders the
     reference request with no font option or environment: it finds the
     fonts under <root>/usr/share/panelpaper/fonts, next to itself, and the PDF
     is byte-identical to the build tree's; without that folder it fails;
  5. the unpacked `panelpaperd` accepts the example configuration
     (--flagfile ... --version) and reports its renderer identity from the
     unpacked fonts.
"""
import argparse
import glob
import os
import shutil
import subprocess
import sys
import time
import unittest

ARGS = None
FIXTURE = "tests/testdata/requests/met-governance-2020-01-08.json"


def run(*cmd, check=True, env=None, cwd=None):
    return subprocess.run(cmd, check=check, capture_output=True, text=True, env=env, cwd=cwd)


def clean_env():
    env = dict(os.environ)
    env.pop("PANELPAPER_FONTS_DIR", None)
    return env


class PackageTest(unittest.TestCase):
    deb = None
    root = None

    @classmethod
    def setUpClass(cls):
        missing = [t for t in ("dpkg-deb", "dpkg", "dpkg-shlibdeps") if shutil.which(t) is None]
        if missing:
            if os.environ.get("CI") == "true":
                raise RuntimeError(f"missing {missing}: apt-get install dpkg-dev")
            print(f"package_test: skipped, missing {missing} (apt-get install dpkg-dev)")
            sys.exit(77)
        work = ARGS.work_dir
        shutil.rmtree(work, ignore_errors=True)
        os.makedirs(work)
        out_dir = os.path.join(ARGS.build_dir, "package")
        for old in glob.glob(os.path.join(out_dir, "*.deb")):
            os.remove(old)
        start = time.monotonic()
        r = run("cmake", "--build", ARGS.build_dir, "--target", "package", check=False)
        if r.returncode != 0:
            raise RuntimeError(f"cmake --build --target package failed:\n{r.stdout}\n{r.stderr}")
        debs = glob.glob(os.path.join(out_dir, "*.deb"))
        if len(debs) != 1:
            raise RuntimeError(f"expected one .deb in {out_dir}, found {debs}:\n{r.stdout}")
        cls.deb = debs[0]
        cls.root = os.path.join(work, "root")
        run("dpkg", "-x", cls.deb, cls.root)
        print(f"package_test: {os.path.basename(cls.deb)} "
              f"({os.path.getsize(cls.deb) // 1024} KiB) built and unpacked in "
              f"{time.monotonic() - start:.1f} s")

    def field(self, name):
        return run("dpkg-deb", "-f", self.deb, name).stdout.strip()

    def test_control_fields(self):
        self.assertEqual(self.field("Package"), "panelpaper")
        self.assertEqual(self.field("Version"), ARGS.version)
        self.assertEqual(self.field("Architecture"), run("dpkg", "--print-architecture").stdout.strip())
        depends = self.field("Depends")
        # dpkg-shlibdeps names the Debian packages of the libraries the programs link.
        for lib in ("libhpdf", "libgrpc++", "libprotobuf", "libabsl", "libc6", "libsqlite3", "libpq5",
                    "libssl"):
            self.assertIn(lib, depends, f"Depends: {depends}")

    def test_contents(self):
        usr = os.path.join(self.root, "usr")
        for rel in ("bin/panelpaper", "bin/panelpaperd",
                    "share/panelpaper/fonts/PanelSans-Regular.ttf",
                    "share/panelpaper/fonts/liberation/LiberationSans-Regular.ttf",
                    "share/panelpaper/fonts/liberation/OFL.txt",
                    "share/panelpaper/fonts/dejavu/LICENSE.txt",
                    "share/panelpaper/fonts/icc/sRGB.icc", "share/panelpaper/fonts/icc/LICENSE.txt",
                    "share/panelpaper/proto/panelpaper/v1/paper.proto",
                    "share/panelpaper/proto/panelpaper/v1/paper_service.proto",
                    "share/panelpaper/proto/panelpaper/v1/archive_service.proto",
                    "share/panelpaper/proto/google/rpc/status.proto",
                    "lib/systemd/system/panelpaperd.service",
                    "share/doc/panelpaper/README.md",
                    "share/doc/panelpaper/examples/panelpaperd.flags"):
            self.assertTrue(os.path.isfile(os.path.join(usr, rel)), rel)
        for program in ("panelpaper", "panelpaperd"):
            self.assertTrue(os.access(os.path.join(usr, "bin", program), os.X_OK), program)
        # Nothing from the build tree: no CMake files, no test programs.
        listing = run("dpkg-deb", "-c", self.deb).stdout
        self.assertNotIn("CMakeFiles", listing)
        self.assertNotIn("_test", listing)
        self.assertNotIn("/usr/local", listing)

    def test_systemd_unit_uses_the_package_paths(self):
        with open(os.path.join(self.root, "usr/lib/systemd/system/panelpaperd.service"), encoding="utf-8") as f:
            unit = f.read()
        settings = "\n".join(l for l in unit.splitlines() if not l.startswith("#"))
        self.assertIn("ExecStart=/usr/bin/panelpaperd", settings)
        self.assertIn("Documentation=file:///usr/share/doc/panelpaper/README.md", settings)
        self.assertNotIn("/usr/local", settings)
        self.assertIn("${CREDENTIALS_DIRECTORY}", unit)  # systemd's own variables kept

    def test_unpacked_cli_renders_with_its_own_fonts(self):
        cli = os.path.join(self.root, "usr/bin/panelpaper")
        request = os.path.join(ARGS.source_dir, FIXTURE)
        out = os.path.join(ARGS.work_dir, "installed.pdf")
        r = run(cli, "render", request, "-o", out, check=False, env=clean_env(), cwd=ARGS.work_dir)
        self.assertEqual(r.returncode, 0, r.stderr)
        expected = os.path.join(ARGS.work_dir, "build-tree.pdf")
        run(ARGS.cli, "render", request, "-o", expected, env=clean_env())
        with open(out, "rb") as a, open(expected, "rb") as b:
            got, want = a.read(), b.read()
        self.assertTrue(got.startswith(b"%PDF-"))
        self.assertEqual(got, want, "the installed program renders other bytes than the build tree's")
        # Those fonts, not others: without the installed folder it fails
        # (unless fonts are installed at the compiled-in fallback too).
        fonts = os.path.join(self.root, "usr/share/panelpaper/fonts")
        aside = fonts + ".aside"
        os.rename(fonts, aside)
        try:
            r = run(cli, "render", request, "-o", out + ".2", check=False, env=clean_env(), cwd=ARGS.work_dir)
        finally:
            os.rename(aside, fonts)
        if not os.path.exists(ARGS.fallback_fonts_dir):
            self.assertNotEqual(r.returncode, 0, "rendered without the installed fonts")

    def test_unpacked_server_takes_the_example_configuration(self):
        server = os.path.join(self.root, "usr/bin/panelpaperd")
        flags = os.path.join(self.root, "usr/share/doc/panelpaper/examples/panelpaperd.flags")
        r = run(server, f"--flagfile={flags}", "--version", check=False, env=clean_env())
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertIn(f"panelpaperd {ARGS.version}", r.stdout)
        # A misspelt flag in such a file is refused (the check above means something).
        bad = os.path.join(ARGS.work_dir, "bad.flags")
        with open(flags, encoding="utf-8") as f, open(bad, "w", encoding="utf-8") as g:
            g.write(f.read() + "--max_queued_render=4\n")
        r = run(server, f"--flagfile={bad}", "--version", check=False, env=clean_env())
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("max_queued_render", r.stderr)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--version", required=True)
    parser.add_argument("--fallback-fonts-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    unittest.main(argv=[sys.argv[0]] + rest, verbosity=2)
