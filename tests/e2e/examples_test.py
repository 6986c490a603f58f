#!/usr/bin/python3
"""README's examples, run (issue 14).

Run by ctest (tests/e2e/CMakeLists.txt):
  * README holds examples/python_client.py and examples/cpp_client.cc verbatim,
    and both render through a real panelpaperd and print the BadRequest
    violations of a bad request;
  * examples/reflect.py (the grpcurl-style walkthrough) lists, describes and
    calls through server reflection;
  * every command in a README block marked `<!-- checked by
    tests/e2e/examples_test.py -->` is run and prints exactly what README shows.
"""
import argparse
import json
import os
import re
import shlex
import subprocess
import sys
import unittest

import service_test as st

ARGS = None
REQUEST = "tests/testdata/requests/met-governance-2020-01-08.json"
MARK = "<!-- checked by tests/e2e/examples_test.py -->"


def src(path):
    return os.path.join(ARGS.source_dir, path)


def readme():
    with open(src("README.md")) as f:
        return f.read()


def env():
    e = dict(os.environ)
    e["PYTHONPATH"] = os.path.join(ARGS.work_dir, "py")
    return e


BAD = {"paper": {"panelName": "P", "meetingDate": "2020-02-30", "sections": [{"heading": "H"}]}}


class Examples(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.server = st.Server(cls.__name__)
        cls.bad = os.path.join(ARGS.work_dir, "bad.json")
        with open(cls.bad, "w") as f:
            json.dump(BAD, f)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def check_client(self, command):
        out = os.path.join(ARGS.work_dir, "client.pdf")
        r = subprocess.run(command + [self.server.address, src(REQUEST), out], capture_output=True,
                           text=True, env=env(), timeout=120)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "%s: 7 pages\n" % out)
        with open(out, "rb") as f:
            self.assertTrue(f.read().startswith(b"%PDF-"))
        r = subprocess.run(command + [self.server.address, self.bad, out + ".bad"], capture_output=True,
                           text=True, env=env(), timeout=120)
        self.assertEqual(r.returncode, 1)
        # The ErrorInfo first (it is the first detail), then every violation.
        self.assertIn("\n  reason: INVALID_REQUEST (panelpaper.v1)\n  paper.", r.stderr)
        self.assertIn("  paper.title: required\n", r.stderr)
        self.assertIn("  paper.meeting_date: 2020-02-30 is not a real date\n", r.stderr)

    def test_python_client(self):
        with open(src("examples/python_client.py")) as f:
            code = f.read()
        self.assertIn("```python\n" + code + "```", readme())
        self.assertLessEqual(len([l for l in code.splitlines() if l and not l.startswith("#")]), 22)
        self.check_client([sys.executable, src("examples/python_client.py")])

    def test_cpp_client(self):
        with open(src("examples/cpp_client.cc")) as f:
            code = f.read()
        self.assertIn("```cpp\n" + code + "```", readme())
        self.check_client([ARGS.cpp_client])

    def reflect(self, *args, input=None):
        return subprocess.run([sys.executable, src("examples/reflect.py"), self.server.address, *args],
                              capture_output=True, text=True, env=env(), input=input, timeout=120)

    def test_reflection_walkthrough(self):
        r = self.reflect("list")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("panelpaper.v1.PaperService\n", r.stdout)
        r = self.reflect("describe", "panelpaper.v1.PaperService")
        self.assertIn("rpc RenderPaper(panelpaper.v1.RenderPaperRequest) returns "
                      "(panelpaper.v1.RenderPaperResponse);", r.stdout)
        self.assertIn("rpc StreamPaper(panelpaper.v1.RenderPaperRequest) returns "
                      "(stream panelpaper.v1.PaperChunk);", r.stdout)
        r = self.reflect("describe", "panelpaper.v1.AgendaItem")
        self.assertIn("string paper_file = 9;", r.stdout)
        with open(src(REQUEST)) as f:
            r = self.reflect("call", "panelpaper.v1.PaperService/RenderPaper", input=f.read())
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(json.loads(r.stdout)["pageCount"], 7)
        r = self.reflect("call", "panelpaper.v1.PaperService/RenderPaper", input=json.dumps(BAD))
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("INVALID_ARGUMENT", r.stderr)


class Readme(unittest.TestCase):
    def test_checked_blocks_print_what_readme_shows(self):
        text = readme()
        blocks = re.findall(re.escape(MARK) + r"\n```sh\n(.*?)```", text, re.S)
        self.assertGreater(len(blocks), 0)
        # A folder where README's relative paths work: build/, tests/, out/.
        home = os.path.join(ARGS.work_dir, "readme")
        os.makedirs(os.path.join(home, "out"), exist_ok=True)
        for name, target in (("build", os.path.dirname(os.path.dirname(ARGS.cli))), ("tests", src("tests"))):
            link = os.path.join(home, name)
            if not os.path.lexists(link):
                os.symlink(target, link)
        ran = 0
        for block in blocks:
            for m in re.finditer(r"^\$ (.*(?:\\\n.*)*)\n((?:(?!\$ ).*\n)*)", block, re.M):
                command = m.group(1).replace("\\\n", " ")
                expected = m.group(2)
                code = 0
                c = re.search(r"\s+# exit status (\d+)$", command)
                if c:
                    code = int(c.group(1))
                    command = command[:c.start()]
                r = subprocess.run(shlex.split(command), cwd=home, capture_output=True, text=True, timeout=120)
                self.assertEqual(r.returncode, code, command + "\n" + r.stderr)
                self.assertEqual(r.stdout + r.stderr, expected, command)
                ran += 1
        self.assertGreater(ran, 3)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--cpp-client", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    os.makedirs(ARGS.work_dir, exist_ok=True)
    st.ARGS = ARGS
    st.setup_stubs()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
