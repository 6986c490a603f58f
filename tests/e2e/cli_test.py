#!/usr/bin/python3
"""The command-line programs as a user meets them (issue 14).

Run by ctest (tests/e2e/CMakeLists.txt) with build/bin/panelpaper and
build/bin/panelpaperd. Every failure the issue quotes has a test here:
  * syntax errors name FILE:LINE:COLUMN, show the line and a caret (a missing
    comma deep in the 9,494-line pack fixture); a byte-order mark is fine; an
    enum typo lists the valid values; a misspelled field gets "did you mean";
  * `panelpaper help`, `COMMAND --help`, `--version`; `panelpaperd --help`
    lists every flag with its default, `--version` names the renderer;
    --listen / --server ports outside 1-65535 are refused;
  * `-` is standard input / output (the summary then on stderr); -o refuses
    symlinks, FIFOs, /dev/null, /dev/stdout; write errors carry the OS
    reason; a folder as input is a clear error;
  * packs from paper files (locally and with --server; the service itself
    refuses paper_file naming the field), --edition / --duplex overrides,
    warnings with item paths and for papers of another meeting;
  * --watch re-renders when the file changes and keeps the last good PDF.
"""
import argparse
import json
import os
import re
import shutil
import stat
import subprocess
import sys
import time
import unittest

import service_test as st  # the Server helper and the Python stubs

ARGS = None
REQUEST = "tests/testdata/requests/met-governance-2020-01-08.json"
PACK = "tests/testdata/packs/audit-panel-2020-01-08.json"


def run(*cmd, input=None, text=True):
    return subprocess.run(cmd, capture_output=True, text=text, input=input, timeout=120)


def src(path):
    return os.path.join(ARGS.source_dir, path)


class CliTest(unittest.TestCase):
    def setUp(self):
        self.dir = os.path.join(ARGS.work_dir, self.id().rsplit(".", 1)[-1])
        os.makedirs(self.dir, exist_ok=True)

    def path(self, name):
        return os.path.join(self.dir, name)

    def write(self, name, data, mode="w"):
        with open(self.path(name), mode) as f:
            f.write(data)
        return self.path(name)

    def cli(self, *args, **kw):
        return run(ARGS.cli, *args, **kw)


class SyntaxErrors(CliTest):
    def test_missing_comma_in_a_big_manifest_names_line_and_column(self):
        with open(src(PACK)) as f:
            lines = f.read().split("\n")
        # Remove the comma ending some line deep in the file, as in the issue.
        victim = next(i for i in range(4700, len(lines)) if lines[i].endswith('",'))
        lines[victim] = lines[victim][:-1]
        manifest = self.write("pack.json", "\n".join(lines))
        r = self.cli("pack", manifest, "-o", self.path("p.pdf"))
        self.assertEqual(r.returncode, 1, r.stderr)
        next_line = lines[victim + 1]
        column = len(next_line) - len(next_line.lstrip()) + 1
        first, shown, caret = r.stderr.split("\n")[:3]
        self.assertEqual(first, "%s:%d:%d: expected ',' or '}' after a field's value, found a string "
                         "(a missing comma?)" % (manifest, victim + 2, column))
        self.assertEqual(shown, "    " + next_line)
        self.assertEqual(caret, " " * (3 + column) + "^")
        # Python's json names the same line.
        with self.assertRaises(json.JSONDecodeError) as cm:
            json.loads("\n".join(lines))
        self.assertEqual(cm.exception.lineno, victim + 2)
        self.assertFalse(os.path.exists(self.path("p.pdf")))

    def test_byte_order_mark_is_accepted(self):
        with open(src(REQUEST), "rb") as f:
            data = f.read()
        req = self.write("bom.json", b"\xef\xbb\xbf" + data, "wb")
        r = self.cli("render", req, "-o", self.path("bom.pdf"))
        self.assertEqual(r.returncode, 0, r.stderr)
        plain = self.cli("render", src(REQUEST), "-o", self.path("plain.pdf"))
        self.assertEqual(plain.returncode, 0, plain.stderr)
        with open(self.path("bom.pdf"), "rb") as a, open(self.path("plain.pdf"), "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_enum_typo_lists_the_valid_values(self):
        with open(src(PACK)) as f:
            pack = json.load(f)
        pack["edition"] = "MEMBRES"
        manifest = self.write("pack.json", json.dumps(pack, indent=2))
        r = self.cli("pack", manifest, "-o", self.path("p.pdf"))
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"pack\.json:\d+:\d+: edition: invalid value \"MEMBRES\" for "
                         r"panelpaper\.v1\.PackEdition; valid values: PUBLIC, MEMBERS "
                         r"\(did you mean MEMBERS\?\)")
        self.assertNotIn("type.googleapis.com", r.stderr)

    def test_misspelled_field_gets_did_you_mean(self):
        with open(src(REQUEST)) as f:
            req = json.load(f)
        req["paper"]["meetinDate"] = req["paper"].pop("meetingDate")
        path = self.write("req.json", json.dumps(req, indent=2))
        r = self.cli("render", path, "-o", self.path("r.pdf"))
        self.assertEqual(r.returncode, 1)
        self.assertRegex(r.stderr, r"req\.json:\d+:5: paper\.meetinDate: unknown field \"meetinDate\" in "
                         r"panelpaper\.v1\.Paper \(did you mean \"meetingDate\"\?\)")
        text = self.write("req.textproto", 'paper {\n  panel_nme: "X"\n}\n')
        r = self.cli("render", text, "-o", self.path("r.pdf"))
        self.assertEqual(r.returncode, 1)
        self.assertIn('req.textproto:2:3: Message type "panelpaper.v1.Paper" has no field named '
                      '"panel_nme" (did you mean "panel_name"?)', r.stderr)


class HelpAndVersions(CliTest):
    def test_panelpaper_help(self):
        for args in (["help"], ["--help"]):
            r = self.cli(*args)
            self.assertEqual(r.returncode, 0)
            for command in ("render", "pack", "archive", "get", "verify", "list"):
                self.assertRegex(r.stdout, r"\n  %s +\S" % command)
        for command in ("render", "pack", "archive", "get", "verify", "list"):
            for args in ([command, "--help"], ["help", command]):
                r = self.cli(*args)
                self.assertEqual(r.returncode, 0, r.stderr)
                self.assertIn("Usage: panelpaper " + command, r.stdout)
        r = self.cli()
        self.assertEqual(r.returncode, 2)
        self.assertIn("Usage: panelpaper", r.stderr)
        r = self.cli("render", "--bogus")
        self.assertEqual(r.returncode, 2)
        self.assertIn("Run 'panelpaper render --help' for usage.", r.stderr)

    def test_versions(self):
        r = self.cli("--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^panelpaper \d+\.\d+\.\d+\npanelpaper-renderer \d+\.\d+\.\d+; [^\n]*\n$")
        r = run(ARGS.server, "--version")
        self.assertEqual(r.returncode, 0)
        self.assertRegex(r.stdout, r"^panelpaperd \d+\.\d+\.\d+\npanelpaper-renderer \d+\.\d+\.\d+; [^\n]*\n$")
        self.assertNotIn("NDEBUG", r.stdout)

    def test_panelpaperd_help_lists_every_flag_with_its_default(self):
        r = run(ARGS.server, "--help")
        self.assertNotIn("No flags matched", r.stdout + r.stderr)
        out = r.stdout
        # Every ABSL_FLAG defined in the server's sources.
        flags = set()
        for root, _, files in os.walk(src("service")):
            for name in files:
                if name.endswith(".cc"):
                    with open(os.path.join(root, name)) as f:
                        flags |= set(re.findall(r"ABSL_FLAG\(\s*[\w:<>]+\s*,\s*(\w+)", f.read()))
        self.assertIn("listen", flags)
        for flag in sorted(flags):
            m = re.search(r"--%s \(.*?\); default: " % flag, out, re.S)
            self.assertIsNotNone(m, "--%s missing from --help:\n%s" % (flag, out))

    def test_ports_out_of_range_are_refused(self):
        r = run(ARGS.server, "--listen=127.0.0.1:99999")
        self.assertEqual(r.returncode, 2)
        self.assertIn("panelpaperd: --listen: 127.0.0.1:99999: port 99999 is out of range "
                      "(1-65535, or 0 to pick a free port)", r.stderr)
        r = self.cli("render", src(REQUEST), "-o", self.path("x.pdf"), "--server=127.0.0.1:99999")
        self.assertEqual(r.returncode, 2)
        self.assertIn("127.0.0.1:99999: port 99999 is out of range (1-65535)", r.stderr)


class Files(CliTest):
    def test_standard_input_and_output(self):
        with open(src(REQUEST), "rb") as f:
            request = f.read()
        r = run(ARGS.cli, "render", "-", "-o", "-", input=request, text=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"%PDF-"))
        self.assertRegex(r.stderr.decode(), r"^<stdout>: \d+ pages, %d bytes\n" % len(r.stdout))
        file_run = self.cli("render", src(REQUEST), "-o", self.path("f.pdf"))
        with open(self.path("f.pdf"), "rb") as f:
            self.assertEqual(f.read(), r.stdout)
        # A pack to standard output: summary and placements on stderr.
        with open(src(PACK), "rb") as f:
            r = run(ARGS.cli, "pack", "-", "-o", "-", input=f.read(), text=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertTrue(r.stdout.startswith(b"%PDF-"))
        self.assertIn(b"  item ", r.stderr)
        # Errors in standard input are named <stdin>.
        r = run(ARGS.cli, "render", "-", "-o", self.path("x.pdf"), input='{"paper": {"title" "x"}}')
        self.assertEqual(r.returncode, 1)
        self.assertIn("<stdin>:1:20: expected ':'", r.stderr)

    def test_output_must_be_a_regular_file(self):
        target = self.write("target.pdf", "keep")
        link = self.path("link.pdf")
        fifo = self.path("fifo.pdf")
        for p in (link, fifo):
            if os.path.lexists(p):
                os.unlink(p)
        os.symlink(target, link)
        os.mkfifo(fifo)
        for out, kind in ((link, "a symbolic link"), (fifo, "a FIFO"), ("/dev/null", "a character device"),
                          ("/dev/stdout", "a symbolic link")):
            r = self.cli("render", src(REQUEST), "-o", out)
            self.assertEqual(r.returncode, 3, out)
            self.assertIn("refusing to write %s: it is %s, not a regular file" % (out, kind), r.stderr)
            self.assertIn("use -o - for standard output", r.stderr)
        self.assertTrue(os.path.islink(link))
        self.assertTrue(stat.S_ISFIFO(os.lstat(fifo).st_mode))
        self.assertTrue(stat.S_ISCHR(os.lstat("/dev/null").st_mode))
        with open(target) as f:
            self.assertEqual(f.read(), "keep")

    def test_write_errors_carry_the_reason(self):
        out = self.path("missing/x.pdf")
        r = self.cli("render", src(REQUEST), "-o", out)
        self.assertEqual(r.returncode, 3)
        self.assertIn("cannot write %s: No such file or directory" % out, r.stderr)
        if os.geteuid() != 0:
            os.makedirs(self.path("ro"), exist_ok=True)
            os.chmod(self.path("ro"), 0o555)
            r = self.cli("render", src(REQUEST), "-o", self.path("ro/x.pdf"))
            self.assertIn("cannot write %s: Permission denied" % self.path("ro/x.pdf"), r.stderr)

    def test_folder_or_missing_input(self):
        r = self.cli("render", self.dir, "-o", self.path("x.pdf"))
        self.assertEqual(r.returncode, 3)
        self.assertIn("cannot read %s: it is a folder, not a file" % self.dir, r.stderr)
        self.assertNotIn("JSON", r.stderr)
        r = self.cli("pack", self.path("nope.json"), "-o", self.path("x.pdf"))
        self.assertEqual(r.returncode, 3)
        self.assertIn("cannot read %s: No such file or directory" % self.path("nope.json"), r.stderr)


def pack_from_files(test, dir_name="files"):
    """The pack fixture with items 1 and 7b's papers moved to files (one JSON
    RenderPaperRequest, one text format), in a folder of their own."""
    with open(src(PACK)) as f:
        pack = json.load(f)
    folder = test.path(dir_name)
    os.makedirs(os.path.join(folder, "papers"), exist_ok=True)
    moved = 0
    for i, item in enumerate(pack["items"]):
        if "paper" in item and moved < 2:
            name = "papers/item%d.json" % i
            with open(os.path.join(folder, name), "w") as f:
                json.dump({"paper": item.pop("paper")}, f, indent=2)
            item["paperFile"] = name
            moved += 1
    path = os.path.join(folder, "pack.json")
    with open(path, "w") as f:
        json.dump(pack, f, indent=2)
    return path, pack


class Packs(CliTest):
    def test_paper_files_render_the_same_pack(self):
        manifest, _ = pack_from_files(self)
        inline = self.cli("pack", src(PACK), "-o", self.path("inline.pdf"))
        self.assertEqual(inline.returncode, 0, inline.stderr)
        # From another folder: paper files are relative to the manifest.
        r = subprocess.run([ARGS.cli, "pack", manifest, "-o", self.path("files.pdf")], cwd="/",
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(self.path("inline.pdf"), "rb") as a, open(self.path("files.pdf"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        # A manifest on standard input: relative to the current folder.
        with open(manifest) as f:
            r = subprocess.run([ARGS.cli, "pack", "-", "-o", self.path("stdin.pdf")],
                               cwd=os.path.dirname(manifest), input=f.read(), capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_paper_file_problems_name_the_item(self):
        manifest, pack = pack_from_files(self)
        files = [i for i, item in enumerate(pack["items"]) if "paperFile" in item]
        with open(os.path.join(os.path.dirname(manifest), pack["items"][files[1]]["paperFile"]), "w") as f:
            f.write('{"paper": {"title": "x",}\n')
        os.unlink(os.path.join(os.path.dirname(manifest), pack["items"][files[0]]["paperFile"]))
        r = self.cli("pack", manifest, "-o", self.path("x.pdf"))
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("%s: 2 problems:" % manifest, r.stderr)
        self.assertIn("  items[%d].paper_file: cannot read " % files[0], r.stderr)
        self.assertIn("No such file or directory", r.stderr)
        self.assertRegex(r.stderr, r"  items\[%d\]\.paper_file: \S+item%d\.json:2:1: " % (files[1], files[1]))
        self.assertFalse(os.path.exists(self.path("x.pdf")))

    def test_edition_and_duplex_override_the_manifest(self):
        public = self.cli("pack", src(PACK), "-o", self.path("public.pdf"))
        members = self.cli("pack", src(PACK), "-o", self.path("members.pdf"), "--edition=members")
        duplex = self.cli("pack", src(PACK), "-o", self.path("duplex.pdf"), "--edition", "members",
                          "--duplex=true")
        for r in (public, members, duplex):
            self.assertEqual(r.returncode, 0, r.stderr)
        pages = [int(re.search(r": (\d+) pages", r.stdout).group(1)) for r in (public, members, duplex)]
        self.assertLess(pages[0], pages[1])
        self.assertLess(pages[1], pages[2])
        back = self.cli("pack", src(PACK), "-o", self.path("back.pdf"), "--edition=public", "--duplex=false")
        with open(self.path("public.pdf"), "rb") as a, open(self.path("back.pdf"), "rb") as b:
            self.assertEqual(a.read(), b.read())
        r = self.cli("pack", src(PACK), "-o", self.path("x.pdf"), "--edition=secret")
        self.assertEqual(r.returncode, 2)

    def test_warnings_name_the_item(self):
        with open(src(PACK)) as f:
            pack = json.load(f)
        with_paper = [i for i, item in enumerate(pack["items"]) if "paper" in item]
        a, b, c = with_paper[:3]
        pack["items"][a]["paper"]["meetingDate"] = "2020-01-15"
        pack["items"][b]["paper"]["panelName"] = "RISK PANEL"
        # A character only a fallback font has.
        pack["items"][c]["paper"]["title"] += " \u0150"
        manifest = self.write("pack.json", json.dumps(pack))
        r = self.cli("pack", manifest, "-o", self.path("w.pdf"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("%s: warning: items[%d].paper.meeting_date: the paper is dated 2020-01-15, "
                      "the meeting is on 2020-01-08" % (manifest, a), r.stderr)
        self.assertIn("%s: warning: items[%d].paper.panel_name: the paper is addressed to RISK PANEL"
                      % (manifest, b), r.stderr)
        self.assertRegex(r.stderr, r"warning: items\[%d\]\.paper: characters outside Windows-1252 "
                         r"\(U\+0150" % c)


class PacksOnAServer(CliTest):
    @classmethod
    def setUpClass(cls):
        cls.server = st.Server(cls.__name__)

    @classmethod
    def tearDownClass(cls):
        cls.server.stop()

    def test_paper_files_with_server(self):
        manifest, _ = pack_from_files(self)
        local = self.cli("pack", manifest, "-o", self.path("local.pdf"))
        remote = self.cli("pack", manifest, "-o", self.path("remote.pdf"), "--server", self.server.address)
        self.assertEqual(local.returncode, 0, local.stderr)
        self.assertEqual(remote.returncode, 0, remote.stderr)
        with open(self.path("local.pdf"), "rb") as a, open(self.path("remote.pdf"), "rb") as b:
            self.assertEqual(a.read(), b.read())

    def test_the_service_refuses_paper_file(self):
        from panelpaper.v1 import pack_pb2
        with open(src(PACK)) as f:
            req = st.json_format.Parse(f.read(), pack_pb2.RenderAgendaPackRequest())
        req.items[3].paper_file = "papers/x.json"
        with st.grpc.insecure_channel(self.server.address) as ch:
            stub = st.service_grpc.PaperServiceStub(ch)
            with self.assertRaises(st.grpc.RpcError) as cm:
                list(stub.RenderAgendaPack(req, timeout=60))
        self.assertEqual(cm.exception.code(), st.grpc.StatusCode.INVALID_ARGUMENT)
        self.assertIn("items[3].paper_file", st.bad_request_fields(cm.exception))


class Watch(CliTest):
    def wait_for(self, predicate, what, timeout=60):
        end = time.time() + timeout
        while time.time() < end:
            if predicate():
                return
            time.sleep(0.05)
        self.fail("timed out waiting for " + what + ":\n" + self.log())

    def log(self):
        with open(self.path("watch.log")) as f:
            return f.read()

    def test_render_watch_rerenders_and_keeps_the_last_good_pdf(self):
        with open(src(REQUEST)) as f:
            req = json.load(f)
        path = self.write("req.json", json.dumps(req, indent=2))
        out = self.path("watch.pdf")
        with open(self.path("watch.log"), "w") as log:
            proc = subprocess.Popen([ARGS.cli, "render", "--watch", path, "-o", out], stdout=log, stderr=log)
        try:
            self.wait_for(lambda: "watching 1 file" in self.log(), "the first render")
            with open(out, "rb") as f:
                first = f.read()
            # An edit (saved by renaming a new file into place, as editors do).
            req["paper"]["title"] = "A changed title"
            self.write("req.json.new", json.dumps(req, indent=2))
            os.rename(self.path("req.json.new"), path)
            self.wait_for(lambda: self.log().count("watching 1 file") >= 2, "the second render")
            with open(out, "rb") as f:
                second = f.read()
            self.assertNotEqual(first, second)
            # A broken save: the error with its position, the PDF kept.
            with open(path, "w") as f:
                f.write('{\n  "paper": {"title" "x"}\n}\n')
            self.wait_for(lambda: self.log().count("watching 1 file") >= 3, "the third run")
            self.assertIn("%s:2:21: expected ':'" % path, self.log())
            with open(out, "rb") as f:
                self.assertEqual(f.read(), second)
            self.assertIsNone(proc.poll())
        finally:
            proc.kill()
            proc.wait()

    def test_pack_watch_follows_paper_files(self):
        manifest, pack = pack_from_files(self, "watched")
        out = self.path("pack.pdf")
        with open(self.path("watch.log"), "w") as log:
            proc = subprocess.Popen([ARGS.cli, "pack", "--watch", manifest, "-o", out], stdout=log, stderr=log)
        try:
            self.wait_for(lambda: "watching 3 files" in self.log(), "the first render")
            mtime = os.stat(out).st_mtime_ns
            paper = os.path.join(os.path.dirname(manifest),
                                 next(i["paperFile"] for i in pack["items"] if "paperFile" in i))
            with open(paper) as f:
                data = json.load(f)
            data["paper"]["title"] += " (revised)"
            with open(paper, "w") as f:
                json.dump(data, f)
            self.wait_for(lambda: self.log().count("watching 3 files") >= 2, "the re-render")
            self.assertNotEqual(os.stat(out).st_mtime_ns, mtime)
        finally:
            proc.kill()
            proc.wait()

    def test_watch_needs_files(self):
        r = self.cli("render", "--watch", "-", "-o", self.path("x.pdf"), input="{}")
        self.assertEqual(r.returncode, 2)
        self.assertIn("--watch needs files", r.stderr)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    os.makedirs(ARGS.work_dir, exist_ok=True)
    st.ARGS = ARGS
    st.setup_stubs()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
