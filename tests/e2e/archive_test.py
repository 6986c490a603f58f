#!/usr/bin/python3
"""End-to-end tests of the archive (panelpaper.v1.ArchiveService) in the real
panelpaperd, driven with Debian's Python grpcio and the real CLI.

Run by ctest (tests/e2e/CMakeLists.txt) as:
  archive_test.py --server build/bin/panelpaperd --cli build/bin/panelpaper \
                  --source-dir . --work-dir DIR

Each test starts panelpaperd on 127.0.0.1:0 with --archive_dir in the work
directory. Python stubs are generated at test time (protoc + Debian's
grpc_python_plugin); certificates are made with openssl.

Covered: archive then get gives identical bytes and SHA-256; the archived PDF
passes `qpdf --check` and tests/tools/pdfa_check.py and shows the sign-off;
the identical request again is the same entry (created = false), different
content under the id is ALREADY_EXISTS; a byte flipped on disk is DATA_LOSS on
get and a failed verify; no token is UNAUTHENTICATED, a wrong token
PERMISSION_DENIED, reads authenticated or open by flag; list filters and
pages; a restart keeps everything; SIGKILL while archive calls are in flight
(some inside the store's write) leaves every acknowledged paper intact and no
half-written entry, and the restart's store check quarantines what the crash left;
mTLS writer allow-list (certificate SAN, else CN); the CLI's archive, get,
verify and list; our PDF/A-2b checker passes the archival PDFs and catches
each rule broken on purpose.

Missing tools skip the test (exit 77), except under CI=true where they fail it.
"""
import argparse
import base64
import hashlib
import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import unittest

ARGS = None
FIXTURE = "tests/testdata/requests/met-governance-2020-01-08.json"
CI = os.environ.get("CI", "").lower() == "true"
TOKEN = "clerk-token-0123456789abcdef"
READER_TOKEN = "reader-token-0123456789abcdef"

grpc = json_format = None
paper_pb2 = archive_pb2 = archive_grpc = None
status_pb2 = error_details_pb2 = health_pb2 = health_grpc = None


def skip_or_fail(message):
    if CI:
        print("FAIL (CI=true): " + message, file=sys.stderr)
        sys.exit(1)
    print("SKIP: " + message, file=sys.stderr)
    sys.exit(77)


def setup_stubs():
    global grpc, json_format, paper_pb2, archive_pb2, archive_grpc
    global status_pb2, error_details_pb2, health_pb2, health_grpc
    try:
        import grpc as _grpc  # noqa: F401
        import google.protobuf  # noqa: F401
    except ImportError as e:
        skip_or_fail("Debian's python3-grpcio / python3-protobuf are needed (%s)" % e)
    for tool in ("protoc", "openssl", "qpdf", "pdftotext"):
        if shutil.which(tool) is None:
            skip_or_fail("%s is needed" % tool)
    if not os.access("/usr/bin/grpc_python_plugin", os.X_OK):
        skip_or_fail("/usr/bin/grpc_python_plugin is needed (protobuf-compiler-grpc)")
    out = os.path.join(ARGS.work_dir, "py")
    shutil.rmtree(out, ignore_errors=True)
    os.makedirs(out)
    src = ARGS.source_dir
    subprocess.run(
        ["protoc", "-I", os.path.join(src, "proto"), "-I", os.path.join(src, "tests/e2e/protos"),
         "--python_out=" + out, "--grpc_python_out=" + out,
         "--plugin=protoc-gen-grpc_python=/usr/bin/grpc_python_plugin",
         "panelpaper/v1/paper.proto", "panelpaper/v1/pack.proto",
         "panelpaper/v1/paper_service.proto", "panelpaper/v1/archive_service.proto",
         "google/rpc/status.proto", "google/rpc/error_details.proto", "e2e_grpc/health.proto"],
        check=True)
    sys.path.insert(0, out)
    import grpc as g
    from google.protobuf import json_format as jf
    from panelpaper.v1 import paper_pb2 as p
    from panelpaper.v1 import archive_service_pb2 as a, archive_service_pb2_grpc as ag
    from google.rpc import status_pb2 as st, error_details_pb2 as ed
    from e2e_grpc import health_pb2 as h, health_pb2_grpc as hg
    grpc, json_format, paper_pb2, archive_pb2, archive_grpc = g, jf, p, a, ag
    status_pb2, error_details_pb2, health_pb2, health_grpc = st, ed, h, hg


# ---- helpers ----------------------------------------------------------------

def bearer(token=TOKEN):
    return (("authorization", "Bearer " + token),)


def reference_request(paper_id="jap-2020-01-08-7b"):
    req = archive_pb2.ArchivePaperRequest(paper_id=paper_id)
    with open(os.path.join(ARGS.source_dir, FIXTURE), encoding="utf-8") as f:
        json_format.Parse(f.read(), req.render)
    so = req.sign_off
    so.approved_by = "Jane Doe & <Partners>"
    so.role = "Chair of the Joint Audit Panel"
    so.decision_date = "2020-01-08"
    so.meeting = "Joint Audit Panel, 8 January 2020"
    so.decision_reference = "JAP/2020/07"
    return req


def small_request(paper_id, meeting_date="2020-01-08", panel="Panel", item=None, paragraphs=4):
    req = archive_pb2.ArchivePaperRequest(paper_id=paper_id)
    p = req.render.paper
    p.panel_name = panel
    p.meeting_date = meeting_date
    p.title = "Paper " + paper_id
    if item:
        p.agenda_item.number = int(item.rstrip("abcdefghijklmnopqrstuvwxyz"))
        p.agenda_item.sub_letter = item[len(str(p.agenda_item.number)):]
    section = p.sections.add(heading="Body")
    for i in range(paragraphs):
        section.blocks.add().paragraph.runs.add(text=("word " * 60) + paper_id + " " + str(i))
    req.sign_off.approved_by = "Jane Doe"
    req.sign_off.decision_date = meeting_date
    req.sign_off.decision_reference = "REF/" + paper_id
    return req


def get_pdf(stub, paper_id, metadata=bearer()):
    data, first = b"", None
    for chunk in stub.GetArchivedPaper(archive_pb2.GetArchivedPaperRequest(paper_id=paper_id),
                                       metadata=metadata, timeout=60):
        if first is None:
            first = chunk.paper
        assert len(chunk.data) <= 1 << 20
        data += chunk.data
    return data, first


def bad_request_fields(err):
    for key, value in err.trailing_metadata() or ():
        if key == "grpc-status-details-bin":
            st = status_pb2.Status.FromString(value)
            out = []
            for any_ in st.details:
                if any_.type_url == "type.googleapis.com/google.rpc.BadRequest":
                    out += [v.field for v in
                            error_details_pb2.BadRequest.FromString(any_.value).field_violations]
            return out
    return []


def read(path):
    with open(path, "rb") as f:
        return f.read()


def object_path(data_dir, sha):
    return os.path.join(data_dir, "objects", sha[:2], sha + ".pdf")


def files_under(d):
    out = []
    for root, _, names in os.walk(d):
        out += [os.path.join(root, n) for n in names]
    return sorted(out)


class Server:
    """panelpaperd on 127.0.0.1:<free port> with an archive; stderr in a log."""
    logs = set()

    def __init__(self, name, data_dir, *flags, token_file=True):
        self.name = name
        self.data_dir = data_dir
        self.log_path = os.path.join(ARGS.work_dir, name + ".log")
        # One log per name and test run; restarts append to it.
        self.log = open(self.log_path, "a+" if name in Server.logs else "w+")
        Server.logs.add(name)
        self.terminated = False
        args = [ARGS.server, "--listen=127.0.0.1:0", "--archive_dir=" + data_dir]
        if token_file:
            args.append("--archive_token_file=" + token_file_path())
        self.proc = subprocess.Popen(args + list(flags), stdout=subprocess.DEVNULL, stderr=self.log)
        self.start_offset = self.log.tell()
        deadline = time.time() + 30
        self.address = None
        while time.time() < deadline:
            m = re.findall(r"serving on (\S+) .*pid %d\)" % self.proc.pid, self.text())
            if m:
                self.address = m[-1]
                break
            if self.proc.poll() is not None:
                raise AssertionError("panelpaperd exited at start-up:\n" + self.text())
            time.sleep(0.05)
        if self.address is None:
            self.proc.kill()
            raise AssertionError("panelpaperd did not start:\n" + self.text())
        self.port = int(self.address.rsplit(":", 1)[1])

    def text(self):
        with open(self.log_path, encoding="utf-8", errors="replace") as f:
            return f.read()

    def stop(self, timeout=60):
        """SIGTERM; returns the exit status."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=timeout)
        finally:
            self.log.close()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()

    def channel(self):
        return grpc.insecure_channel(self.address)


_TOKEN_FILE = None


def token_file_path():
    global _TOKEN_FILE
    if _TOKEN_FILE is None:
        _TOKEN_FILE = os.path.join(ARGS.work_dir, "archive-tokens")
        with open(_TOKEN_FILE, "w") as f:
            f.write("# who may archive\nclerk %s\nreader %s read\n" % (TOKEN, READER_TOKEN))
        os.chmod(_TOKEN_FILE, 0o600)
    return _TOKEN_FILE


def fresh_dir(name):
    d = os.path.join(ARGS.work_dir, name)
    shutil.rmtree(d, ignore_errors=True)
    return d


# ---- the API on one server ------------------------------------------------------

class ArchiveApiTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.data = fresh_dir("api-data")
        cls.server = Server("ArchiveApiTest", cls.data)
        cls.channel = cls.server.channel()
        cls.stub = archive_grpc.ArchiveServiceStub(cls.channel)
        cls.reference = cls.stub.ArchivePaper(reference_request(), metadata=bearer(), timeout=60)

    @classmethod
    def tearDownClass(cls):
        cls.channel.close()
        status = cls.server.stop()
        if status != 0:
            raise AssertionError("panelpaperd exited %d:\n%s" % (status, cls.server.text()))

    def code_of(self, fn, *args, **kwargs):
        with self.assertRaises(grpc.RpcError) as cm:
            fn(*args, **kwargs)
        return cm.exception

    def test_archive_then_get_gives_identical_bytes_and_hash(self):
        r = self.reference
        self.assertTrue(r.created)
        self.assertEqual(r.paper_id, "jap-2020-01-08-7b")
        self.assertGreater(r.page_count, 1)
        data, record = get_pdf(self.stub, r.paper_id)
        self.assertEqual(hashlib.sha256(data).hexdigest(), r.sha256)
        self.assertEqual(len(data), r.size_bytes)
        self.assertEqual(data, read(object_path(self.data, r.sha256)))
        self.assertEqual(record.pdf.sha256, r.sha256)
        self.assertEqual(record.archived_by, "token:clerk")
        self.assertEqual(record.sign_off.decision_reference, "JAP/2020/07")
        self.assertEqual(record.agenda_item, "7b")

    def test_archived_pdf_is_pdfa_2b_with_the_sign_off(self):
        data, _ = get_pdf(self.stub, self.reference.paper_id)
        path = os.path.join(ARGS.work_dir, "archived.pdf")
        with open(path, "wb") as f:
            f.write(data)
        r = subprocess.run(["qpdf", "--check", path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        checker = os.path.join(ARGS.source_dir, "tests/tools/pdfa_check.py")
        r = subprocess.run(["/usr/bin/python3", checker, path], capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        text = subprocess.run(["pdftotext", path, "-"], capture_output=True, text=True,
                              check=True).stdout
        self.assertIn("Sign-off", text)
        self.assertIn("Jane Doe & <Partners>, Chair of the Joint Audit Panel", text)
        self.assertIn("JAP/2020/07", text)
        self.assertIn(b"<pprec:DecisionReference>JAP/2020/07</pprec:DecisionReference>", data)
        self.assertIn(b"<pprec:ApprovedBy>Jane Doe &amp; &lt;Partners&gt;</pprec:ApprovedBy>", data)

    def test_identical_request_is_the_same_entry(self):
        again = self.stub.ArchivePaper(reference_request(), metadata=bearer(), timeout=60)
        self.assertFalse(again.created)
        self.assertEqual(again.paper_id, self.reference.paper_id)
        self.assertEqual(again.sha256, self.reference.sha256)
        self.assertEqual(again.paper.archived_at, self.reference.paper.archived_at)

    def test_different_content_under_the_id_is_already_exists(self):
        changed = reference_request()
        changed.render.paper.sections[0].heading = "Changed"
        err = self.code_of(self.stub.ArchivePaper, changed, metadata=bearer(), timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.ALREADY_EXISTS)
        resigned = reference_request()
        resigned.sign_off.decision_date = "2020-01-09"
        err = self.code_of(self.stub.ArchivePaper, resigned, metadata=bearer(), timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.ALREADY_EXISTS)
        data, _ = get_pdf(self.stub, self.reference.paper_id)
        self.assertEqual(hashlib.sha256(data).hexdigest(), self.reference.sha256)

    def test_credentials(self):
        req = small_request("auth-check")
        err = self.code_of(self.stub.ArchivePaper, req, timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.UNAUTHENTICATED)
        err = self.code_of(self.stub.ArchivePaper, req, metadata=bearer("not-the-token-at-all"),
                           timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.PERMISSION_DENIED)
        err = self.code_of(self.stub.ArchivePaper, req,
                           metadata=(("authorization", "Basic Y2xlcms6cGFzcw=="),), timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.UNAUTHENTICATED)
        # Reads are authenticated by default.
        err = self.code_of(get_pdf, self.stub, self.reference.paper_id, metadata=())
        self.assertEqual(err.code(), grpc.StatusCode.UNAUTHENTICATED)
        err = self.code_of(self.stub.ListArchivedPapers, archive_pb2.ListArchivedPapersRequest(),
                           metadata=bearer("not-the-token-at-all"))
        self.assertEqual(err.code(), grpc.StatusCode.PERMISSION_DENIED)
        get_pdf(self.stub, self.reference.paper_id, metadata=bearer(READER_TOKEN))
        # A read-only token may not write.
        err = self.code_of(self.stub.ArchivePaper, req, metadata=bearer(READER_TOKEN), timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.PERMISSION_DENIED)
        self.assertIn("reader may read the archive but not write", err.details())
        err = self.code_of(get_pdf, self.stub, "auth-check")
        self.assertEqual(err.code(), grpc.StatusCode.NOT_FOUND)
        # Tokens never reach the log.
        self.assertNotIn("not-the-token", self.server.text())
        self.assertNotIn(TOKEN, self.server.text())

    def test_invalid_requests_name_every_field(self):
        req = small_request("bad id")
        req.sign_off.decision_date = "2020-02-30"
        req.render.paper.ClearField("title")
        err = self.code_of(self.stub.ArchivePaper, req, metadata=bearer(), timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(sorted(bad_request_fields(err)),
                         ["paper_id", "render.paper.title", "sign_off.decision_date"])

    def test_strings_the_pdf_cannot_hold_are_refused_or_cut(self):
        # PDF strings hold at most 32,767 bytes (PDF/A-2 6.1.13; libharu
        # 65,535): given document information over 16,000 characters is
        # refused naming the field; what the renderer derives is cut, and the
        # archived file passes our PDF/A checks.
        def text(size, unit):  # `size` bytes in words of 4 characters
            out = (unit * 4 + " ") * (size // len((unit * 4 + " ").encode()))
            return out + "x" * (size - len(out.encode()))
        checker = os.path.join(ARGS.source_dir, "tests/tools/pdfa_check.py")
        for n, (size, unit) in enumerate([(32767, "a"), (32768, "a"), (65535, "\u0151"),
                                          (65536, "\u0151")]):
            req = small_request("long-given-%d" % n)
            req.render.paper.metadata.title = text(size, unit)
            err = self.code_of(self.stub.ArchivePaper, req, metadata=bearer(), timeout=60)
            self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
            self.assertEqual(bad_request_fields(err), ["render.paper.metadata.title"])
            req = small_request("long-derived-%d" % n)
            req.render.paper.title = text(size, unit)
            req.render.paper.sections[0].heading = text(size, unit)
            r = self.stub.ArchivePaper(req, metadata=bearer(), timeout=60)
            data, _ = get_pdf(self.stub, r.paper_id)
            path = os.path.join(ARGS.work_dir, "long-derived-%d.pdf" % n)
            with open(path, "wb") as f:
                f.write(data)
            out = subprocess.run(["/usr/bin/python3", checker, path], capture_output=True, text=True)
            self.assertEqual(out.returncode, 0, out.stdout + out.stderr)
        req = small_request("long-keywords")
        req.render.paper.metadata.keywords.extend([""] * 200000)
        err = self.code_of(self.stub.ArchivePaper, req, metadata=bearer(), timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(bad_request_fields(err), ["render.paper.metadata.keywords"])

    def test_layout_refusals_name_their_field(self):
        req = small_request("tall-header")
        table = req.render.paper.sections[0].blocks.add().table
        table.column_widths.append(1)
        table.header_rows = 1
        table.rows.add().cells.add().paragraphs.add().runs.add(text="Heading\n" * 100)
        table.rows.add().cells.add().paragraphs.add().runs.add(text="body")
        err = self.code_of(self.stub.ArchivePaper, req, metadata=bearer(), timeout=60)
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(bad_request_fields(err), ["render.paper.sections[0].blocks[4].table"])

    def test_byte_flipped_on_disk_is_data_loss_and_a_failed_verify(self):
        r = self.stub.ArchivePaper(small_request("to-damage"), metadata=bearer(), timeout=60)
        v = self.stub.VerifyArchivedPaper(
            archive_pb2.VerifyArchivedPaperRequest(paper_id="to-damage"), metadata=bearer())
        self.assertTrue(v.bytes_intact and v.rerender_matches, v)
        self.assertEqual(v.verdict, archive_pb2.VerifyArchivedPaperResponse.VERDICT_OK)
        self.assertEqual(v.archived_renderer_identity, v.current_renderer_identity)
        self.assertEqual(r.paper.renderer_identity, v.current_renderer_identity)
        path = object_path(self.data, r.sha256)
        os.chmod(path, 0o640)
        with open(path, "r+b") as f:
            f.seek(300)
            b = f.read(1)
            f.seek(300)
            f.write(bytes([b[0] ^ 0x20]))
        err = self.code_of(get_pdf, self.stub, "to-damage")
        self.assertEqual(err.code(), grpc.StatusCode.DATA_LOSS)
        v = self.stub.VerifyArchivedPaper(
            archive_pb2.VerifyArchivedPaperRequest(paper_id="to-damage"), metadata=bearer())
        self.assertFalse(v.bytes_intact)
        self.assertNotEqual(v.stored_sha256, v.recorded_sha256)
        self.assertTrue(v.rerender_matches)
        self.assertIn("DAMAGED", v.detail)
        self.assertEqual(v.verdict, archive_pb2.VerifyArchivedPaperResponse.VERDICT_DAMAGED)
        # The CLI says so too (exit 4).
        run = subprocess.run([ARGS.cli, "verify", "to-damage", "--server", self.server.address,
                              "--token", token_file_for_cli()], capture_output=True, text=True)
        self.assertEqual(run.returncode, 4, run.stdout + run.stderr)
        run = subprocess.run([ARGS.cli, "get", "to-damage", "-o",
                              os.path.join(ARGS.work_dir, "damaged.pdf"), "--server",
                              self.server.address, "--token", token_file_for_cli()],
                             capture_output=True, text=True)
        self.assertEqual(run.returncode, 4, run.stderr)
        self.assertIn("DATA_LOSS", run.stderr)

    def test_list_filters_and_pages(self):
        papers = [("list-a", "2018-05-01", "Ethics Panel", "3"),
                  ("list-b", "2018-05-01", "Ethics Panel", "4a"),
                  ("list-c", "2018-06-12", "Ethics Panel", "3"),
                  ("list-d", "2018-07-01", "Other Panel", "3")]
        for pid, date, panel, item in papers:
            self.stub.ArchivePaper(small_request(pid, date, panel, item), metadata=bearer(),
                                   timeout=60)

        def ids(**filters):
            out, token, pages = [], "", 0
            while True:
                resp = self.stub.ListArchivedPapers(
                    archive_pb2.ListArchivedPapersRequest(page_size=2, page_token=token, **filters),
                    metadata=bearer())
                out += [p.paper_id for p in resp.papers]
                pages += 1
                token = resp.next_page_token
                if not token:
                    return out, pages

        self.assertEqual(ids(panel_name="Ethics Panel"), (["list-a", "list-b", "list-c"], 2))
        self.assertEqual(ids(meeting_date_to="2018-12-31", agenda_item="3"),
                         (["list-a", "list-c", "list-d"], 2))
        self.assertEqual(ids(meeting_date_from="2018-06-01", meeting_date_to="2018-06-30")[0],
                         ["list-c"])
        err = self.code_of(self.stub.ListArchivedPapers,
                           archive_pb2.ListArchivedPapersRequest(meeting_date_from="June"),
                           metadata=bearer())
        self.assertEqual(err.code(), grpc.StatusCode.INVALID_ARGUMENT)
        self.assertEqual(bad_request_fields(err), ["meeting_date_from"])

    def test_health_serves_the_archive(self):
        stub = health_grpc.HealthStub(self.channel)
        resp = stub.Check(health_pb2.HealthCheckRequest(service="panelpaper.v1.ArchiveService"))
        self.assertEqual(resp.status, health_pb2.HealthCheckResponse.SERVING)

    def test_cli_archive_get_verify_list(self):
        fixture = os.path.join(ARGS.source_dir, FIXTURE)
        base = ["--server", self.server.address, "--token", token_file_for_cli()]
        archive = [ARGS.cli, "archive", fixture, "--paper_id", "cli-7b", "--approved_by", "Jane Doe",
                   "--role", "Chair", "--decision_date", "2020-01-08", "--decision_reference",
                   "JAP/2020/07"] + base
        run = subprocess.run(archive, capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("cli-7b: archived", run.stdout)
        sha = re.search(r"sha256 ([0-9a-f]{64})", run.stdout).group(1)
        run = subprocess.run(archive, capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertIn("already archived", run.stdout)
        out = os.path.join(ARGS.work_dir, "cli-7b.pdf")
        run = subprocess.run([ARGS.cli, "get", "cli-7b", "-o", out] + base, capture_output=True,
                             text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        self.assertEqual(hashlib.sha256(read(out)).hexdigest(), sha)
        run = subprocess.run([ARGS.cli, "verify", "cli-7b"] + base, capture_output=True, text=True)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
        self.assertIn("OK", run.stdout)
        run = subprocess.run([ARGS.cli, "list", "--agenda_item", "7b"] + base, capture_output=True,
                             text=True)
        self.assertEqual(run.returncode, 0, run.stderr)
        rows = [line.split("\t") for line in run.stdout.splitlines()]
        self.assertIn(["cli-7b", "2020-01-08", "7b"], [r[:3] for r in rows])
        # Different sign-off under the same id: refused (exit 1); no token: exit 1.
        changed = [a if a != "Jane Doe" else "Somebody Else" for a in archive]
        run = subprocess.run(changed, capture_output=True, text=True)
        self.assertEqual(run.returncode, 1)
        self.assertIn("ALREADY_EXISTS", run.stderr)
        run = subprocess.run(archive[:-2], capture_output=True, text=True)
        self.assertEqual(run.returncode, 1)
        self.assertIn("UNAUTHENTICATED", run.stderr)


def token_file_for_cli():
    path = os.path.join(ARGS.work_dir, "cli-token")
    with open(path, "w") as f:
        f.write(TOKEN + "\n")
    return path


class OpenReadsTest(unittest.TestCase):

    def test_open_reads_need_no_credentials_but_writes_do(self):
        server = Server("OpenReadsTest", fresh_dir("open-data"), "--archive_reads=open")
        try:
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                r = stub.ArchivePaper(small_request("open-1"), metadata=bearer(), timeout=60)
                data, _ = get_pdf(stub, "open-1", metadata=())
                self.assertEqual(hashlib.sha256(data).hexdigest(), r.sha256)
                with self.assertRaises(grpc.RpcError) as cm:
                    stub.ArchivePaper(small_request("open-2"), timeout=60)
                self.assertEqual(cm.exception.code(), grpc.StatusCode.UNAUTHENTICATED)
        finally:
            self.assertEqual(server.stop(), 0)

    def test_bad_archive_flags_exit_2(self):
        proc = subprocess.run([ARGS.server, "--listen=127.0.0.1:0", "--archive_reads=sometimes",
                               "--archive_dir=" + fresh_dir("bad-flags")],
                              capture_output=True, text=True, timeout=30)
        self.assertEqual(proc.returncode, 2, proc.stderr)
        self.assertIn("--archive_reads", proc.stderr)


IDENTITY_RE = (r"panelpaper-renderer [0-9.]+; libharu 2\.3\.0; zlib [0-9.]+; "
               r"fonts sha256:[0-9a-f]{64}; icc sha256:[0-9a-f]{64}; libharu-patches (on|off)")


class RendererIdentityTest(unittest.TestCase):

    def test_version_prints_the_identity(self):
        lines = []
        for prog in (ARGS.server, ARGS.cli):
            run = subprocess.run([prog, "--version"], capture_output=True, text=True, timeout=60)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertRegex(run.stdout, IDENTITY_RE)
            lines.append(re.search(IDENTITY_RE, run.stdout).group(0))
        self.assertEqual(lines[0], lines[1])
        # panelpaperd --help lists its own flags (not "No flags matched").
        run = subprocess.run([ARGS.server, "--help"], capture_output=True, text=True, timeout=60)
        self.assertIn("--archive_dir", run.stdout + run.stderr)
        self.assertIn("--max_pages", run.stdout + run.stderr)

    def test_a_paper_archived_under_another_identity_is_not_comparable(self):
        """Archived with one ICC profile, verified by a server with another:
        the bytes are intact, the re-render differs and cannot be compared
        (verdict NOT_COMPARABLE, CLI exit 0), naming what differs."""
        data = fresh_dir("identity-data")
        server = Server("RendererIdentityTest", data)
        try:
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                stub.ArchivePaper(small_request("identity-1"), metadata=bearer(), timeout=60)
        finally:
            self.assertEqual(server.stop(), 0)
        fonts = fresh_dir("identity-fonts")
        shutil.copytree(os.path.join(os.path.dirname(os.path.dirname(ARGS.server)), "fonts"), fonts,
                        ignore=shutil.ignore_patterns("CMakeFiles"))
        with open(os.path.join(fonts, "icc", "sRGB.icc"), "ab") as f:
            f.write(b"\0")  # another profile, as far as the bytes go
        server = Server("RendererIdentityTest", data, "--fonts=" + fonts)
        try:
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                v = stub.VerifyArchivedPaper(
                    archive_pb2.VerifyArchivedPaperRequest(paper_id="identity-1"), metadata=bearer())
                self.assertTrue(v.bytes_intact, v)
                self.assertFalse(v.rerender_matches, v)
                self.assertEqual(v.verdict,
                                 archive_pb2.VerifyArchivedPaperResponse.VERDICT_NOT_COMPARABLE)
                self.assertEqual(len(v.identity_differences), 1, v)
                self.assertTrue(v.identity_differences[0].startswith("icc sha256:"), v)
                self.assertIn("re-render not comparable", v.detail)
                self.assertRegex(v.archived_renderer_identity, IDENTITY_RE)
                self.assertRegex(v.current_renderer_identity, IDENTITY_RE)
            run = subprocess.run([ARGS.cli, "verify", "identity-1", "--server", server.address,
                                  "--token", token_file_for_cli()], capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn("re-render not comparable", run.stdout)
            self.assertIn("icc sha256:", run.stdout)
        finally:
            self.assertEqual(server.stop(), 0)


class RestartTest(unittest.TestCase):

    def test_a_restart_keeps_everything(self):
        data = fresh_dir("restart-data")
        server = Server("RestartTest", data)
        acked = {}
        try:
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                for i in range(6):
                    r = stub.ArchivePaper(small_request("keep-%d" % i, "2020-0%d-01" % (i + 1)),
                                          metadata=bearer(), timeout=60)
                    acked[r.paper_id] = r.sha256
        finally:
            self.assertEqual(server.stop(), 0)
        # A second server may not share the directory while the first runs.
        server = Server("RestartTest", data)
        try:
            clash = subprocess.run([ARGS.server, "--listen=127.0.0.1:0", "--archive_dir=" + data,
                                    "--archive_token_file=" + token_file_path()],
                                   capture_output=True, text=True, timeout=30)
            self.assertEqual(clash.returncode, 1)
            self.assertIn("in use by another process", clash.stderr)
            self.assertIn("6 papers", server.text())
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                listed = stub.ListArchivedPapers(archive_pb2.ListArchivedPapersRequest(),
                                                 metadata=bearer())
                self.assertEqual({p.paper_id: p.pdf.sha256 for p in listed.papers}, acked)
                for pid, sha in acked.items():
                    data_bytes, _ = get_pdf(stub, pid)
                    self.assertEqual(hashlib.sha256(data_bytes).hexdigest(), sha)
                    v = stub.VerifyArchivedPaper(archive_pb2.VerifyArchivedPaperRequest(paper_id=pid),
                                                 metadata=bearer())
                    self.assertTrue(v.bytes_intact and v.rerender_matches, v)
        finally:
            self.assertEqual(server.stop(), 0)


class ArchiveMetricsTest(unittest.TestCase):
    """--metrics_listen with the archive: writes, reads and verify verdicts,
    what the start-up store check found, the index health; promtool accepts
    the scrape; the access line of a verify names its verdict."""

    def scrape(self, server):
        import urllib.request
        m = re.search(r"metrics on (\S+)/metrics", server.text())
        self.assertIsNotNone(m, server.text())
        with urllib.request.urlopen("http://%s/metrics" % m.group(1), timeout=10) as r:
            return r.read().decode("utf-8")

    def test_archive_results_and_store_check_findings_are_metrics(self):
        data = fresh_dir("metrics-data")
        server = Server("ArchiveMetricsTest", data)
        try:
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                stub.ArchivePaper(small_request("metrics-1"), metadata=bearer(), timeout=60)
                r = stub.ArchivePaper(small_request("metrics-2"), metadata=bearer(), timeout=60)
        finally:
            self.assertEqual(server.stop(), 0)
        # What a crash and a stray file leave: found by the next start-up.
        with open(os.path.join(data, "tmp", "interrupted.part"), "wb") as f:
            f.write(b"half a PDF")
        with open(os.path.join(data, "objects", "notes.txt"), "w") as f:
            f.write("not the store's\n")
        path = object_path(data, r.sha256)
        os.chmod(path, 0o640)
        with open(path, "r+b") as f:
            f.seek(300)
            b = f.read(1)
            f.seek(300)
            f.write(bytes([b[0] ^ 0x20]))
        server = Server("ArchiveMetricsTest", data, "--metrics_listen=127.0.0.1:0")
        try:
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                stub.ArchivePaper(small_request("metrics-1"), metadata=bearer(), timeout=60)  # existing
                get_pdf(stub, "metrics-1")
                for pid in ("metrics-1", "metrics-1", "metrics-2"):
                    stub.VerifyArchivedPaper(archive_pb2.VerifyArchivedPaperRequest(paper_id=pid),
                                             metadata=bearer(), timeout=60)
            deadline = time.time() + 10
            while time.time() < deadline and server.text().count("method=VerifyArchivedPaper") < 3:
                time.sleep(0.05)
            text = self.scrape(server)
            self.assertNotIn("metrics-1", text)  # never request content
            self.assertRegex(text, r'panelpaper_archive_verify_total\{verdict="ok"\} 2\b')
            self.assertRegex(text, r'panelpaper_archive_verify_total\{verdict="damaged"\} 1\b')
            self.assertRegex(text, r'panelpaper_calls_total\{[^}]*code="OK"[^}]*method="ArchivePaper"'
                                   r'[^}]*outcome="existing"[^}]*service="archive"\} 1\b')
            self.assertRegex(text, r'panelpaper_calls_total\{[^}]*method="GetArchivedPaper"'
                                   r'[^}]*outcome="ok"[^}]*service="archive"\} 1\b')
            self.assertRegex(text, r'panelpaper_calls_total\{[^}]*method="VerifyArchivedPaper"'
                                   r'[^}]*outcome="mismatch"[^}]*\} 1\b')
            self.assertRegex(text, r'panelpaper_archive_store_check_findings\{kind="interrupted_writes"\} 1\b')
            self.assertRegex(text, r'panelpaper_archive_store_check_findings\{kind="unknown_files"\} 1\b')
            self.assertRegex(text, r'panelpaper_archive_store_check_findings\{kind="unindexed_pdfs"\} 0\b')
            self.assertRegex(text, r'panelpaper_archive_index_healthy 1\b')
            verdicts = re.findall(r"method=VerifyArchivedPaper .* outcome=(\S+) verdict=(\S+)", server.text())
            self.assertEqual(sorted(verdicts), [("mismatch", "damaged"), ("ok", "ok"), ("ok", "ok")])
            promtool = shutil.which("promtool")
            if promtool is not None:
                run = subprocess.run([promtool, "check", "metrics"], input=text, capture_output=True,
                                     text=True)
                self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            elif CI:
                self.fail("promtool (Debian prometheus) is needed under CI=true")
        finally:
            self.assertEqual(server.stop(), 0)


class CrashTest(unittest.TestCase):
    """SIGKILL while archive calls are in flight, then restart."""

    CLIENTS = 8

    def crash_round(self, data, round_no):
        server = Server("CrashTest", data, "--log_level=debug", "--archive_workers=2")
        acked, failed = {}, set()
        lock = threading.Lock()
        stop = threading.Event()
        in_flight = [0]

        def client(n):
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                k = 0
                while not stop.is_set():
                    pid = "crash-r%d-c%d-%d" % (round_no, n, k)
                    k += 1
                    with lock:
                        in_flight[0] += 1
                    try:
                        r = stub.ArchivePaper(small_request(pid, paragraphs=3), metadata=bearer(),
                                              timeout=30)
                        with lock:
                            acked[pid] = r.sha256
                    except grpc.RpcError:
                        with lock:
                            failed.add(pid)
                        return
                    finally:
                        with lock:
                            in_flight[0] -= 1

        threads = [threading.Thread(target=client, args=(n,)) for n in range(self.CLIENTS)]
        for t in threads:
            t.start()
        # Let a good number be acknowledged, then kill with calls outstanding.
        deadline = time.time() + 60
        while time.time() < deadline:
            with lock:
                if len(acked) >= min(40 + 15 * round_no, 100) and in_flight[0] >= 4:
                    break
            time.sleep(0.002)
        with lock:
            outstanding = in_flight[0]
        server.kill()
        stop.set()
        for t in threads:
            t.join(timeout=60)
        self.assertGreaterEqual(outstanding, 1, "no archive call was in flight at the kill")
        self.assertTrue(failed, "no call was cut off by the kill")
        # Which calls were inside the store's write (storing logged, never answered)?
        log = server.text()
        storing = set(re.findall(r"archive: storing paper_id=(\S+)", log))
        answered = set(re.findall(r"method=ArchivePaper .*?paper_id=(\S+) .*code=OK", log))
        return acked, failed, storing - answered

    def test_sigkill_during_archive_calls_loses_nothing_acknowledged(self):
        data = fresh_dir("crash-data")
        all_acked, all_failed, cut_in_store = {}, set(), set()
        # At least five rounds; more (up to 15) until a kill has landed inside
        # a store write, which is a matter of timing (a store write is short
        # next to a render, and shorter still where fsync is cheap).
        rounds = 0
        while rounds < 5 or (not cut_in_store and rounds < 15):
            acked, failed, in_store = self.crash_round(data, rounds)
            all_acked.update(acked)
            all_failed |= failed
            cut_in_store |= in_store
            rounds += 1
        self.assertTrue(cut_in_store, "no kill landed inside a store write in %d rounds" % rounds)
        text = open(os.path.join(ARGS.work_dir, "CrashTest.log")).read()
        print("\ncrash test: %d rounds, %d acknowledged, %d cut off by a kill, %d of them inside "
              "the store; start-up checks quarantined %d interrupted writes and %d unindexed PDFs"
              % (rounds, len(all_acked), len(all_failed), len(cut_in_store),
                 text.count("(an interrupted write)"), text.count("(a PDF no index row names")),
              file=sys.stderr)

        server = Server("CrashTest-after", data)
        try:
            log = server.text()
            m = re.search(r"archive: \S+, (\d+) papers, check: (\d+) interrupted writes, "
                          r"(\d+) unindexed PDFs and (\d+) symbolic links quarantined, "
                          r"(\d+) damaged", log)
            self.assertIsNotNone(m, log)
            self.assertEqual(m.group(5), "0")
            self.assertEqual(files_under(os.path.join(data, "tmp")), [])
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                listed, token = {}, ""
                while True:
                    resp = stub.ListArchivedPapers(
                        archive_pb2.ListArchivedPapersRequest(page_size=500, page_token=token),
                        metadata=bearer())
                    listed.update({p.paper_id: p.pdf.sha256 for p in resp.papers})
                    token = resp.next_page_token
                    if not token:
                        break
                self.assertEqual(int(m.group(1)), len(listed))
                # Every acknowledged paper is there, intact.
                for pid, sha in all_acked.items():
                    self.assertEqual(listed.get(pid), sha, pid)
                # No half-written entry: every listed paper reads back whole.
                for pid, sha in listed.items():
                    data_bytes, _ = get_pdf(stub, pid)
                    self.assertEqual(hashlib.sha256(data_bytes).hexdigest(), sha, pid)
                # Object files are exactly the listed papers' (strays were
                # moved to quarantine/, never deleted).
                objects = files_under(os.path.join(data, "objects"))
                self.assertEqual(sorted(objects),
                                 sorted({object_path(data, s) for s in listed.values()}))
                # Calls cut off by the kill: absent, or complete (committed
                # before the answer was lost); archiving them again succeeds.
                for pid in sorted(all_failed):
                    req = small_request(pid, paragraphs=3)
                    r = stub.ArchivePaper(req, metadata=bearer(), timeout=60)
                    self.assertEqual(r.created, pid not in listed, pid)
                v = stub.VerifyArchivedPaper(
                    archive_pb2.VerifyArchivedPaperRequest(paper_id=sorted(all_acked)[0]),
                    metadata=bearer())
                self.assertTrue(v.bytes_intact and v.rerender_matches, v)
        finally:
            self.assertEqual(server.stop(), 0)


# ---- our PDF/A-2b checker on the archive's output ----------------------------------

class PdfaCheckerTest(unittest.TestCase):
    """The archival PDFs (one with UTF-8 CID fallback fonts) pass
    tests/tools/pdfa_check.py, and each rule it checks fails when the file
    is changed to break it (edited through qpdf's JSON round trip)."""

    @classmethod
    def setUpClass(cls):
        server = Server("PdfaCheckerTest", fresh_dir("pdfa-data"))
        try:
            with server.channel() as ch:
                stub = archive_grpc.ArchiveServiceStub(ch)
                stub.ArchivePaper(reference_request("pdfa-reference"), metadata=bearer(), timeout=60)
                cid = small_request("pdfa-cid")
                cid.render.paper.title = "Zażółć gęślą jaźń ≥ Ω"
                cid.render.paper.sections[0].blocks[0].paragraph.runs[0].link = "https://example.org/"
                cid.sign_off.approved_by = "Zoë Łukasz"
                stub.ArchivePaper(cid, metadata=bearer(), timeout=60)
                cls.pdfs = {}
                for pid in ("pdfa-reference", "pdfa-cid"):
                    path = os.path.join(ARGS.work_dir, pid + ".pdf")
                    with open(path, "wb") as f:
                        f.write(get_pdf(stub, pid)[0])
                    cls.pdfs[pid] = path
        finally:
            assert server.stop() == 0

    def check(self, path):
        checker = os.path.join(ARGS.source_dir, "tests/tools/pdfa_check.py")
        r = subprocess.run(["/usr/bin/python3", checker, path], capture_output=True, text=True)
        self.assertEqual(r.returncode != 0, bool(r.stdout.strip()), r.stdout + r.stderr)
        return r.stdout

    def mutate(self, name, fn, source="pdfa-reference"):
        out = subprocess.run(["qpdf", "--json-output", "--decode-level=generalized",
                              self.pdfs[source], "-"], check=True, capture_output=True).stdout
        j = json.loads(out)
        fn(j["qpdf"][1])
        js = os.path.join(ARGS.work_dir, name + ".json")
        with open(js, "w") as f:
            json.dump(j, f)
        path = os.path.join(ARGS.work_dir, name + ".pdf")
        subprocess.run(["qpdf", "--json-input", js, path], check=True, capture_output=True)
        return self.check(path)

    @staticmethod
    def find(objects, pred):
        for v in objects.values():
            d = v.get("value") if "value" in v else v.get("stream", {}).get("dict")
            if isinstance(d, dict) and pred(d):
                return v, d
        raise AssertionError("no such object")

    def test_the_archived_pdfs_pass(self):
        for path in self.pdfs.values():
            self.assertEqual(self.check(path), "")
        self.assertEqual(self.mutate("roundtrip", lambda o: None), "")
        pdffonts = subprocess.run(["pdffonts", self.pdfs["pdfa-cid"]], capture_output=True,
                                  text=True).stdout
        self.assertIn("CID TrueType", pdffonts)

    def test_trailing_data(self):
        path = os.path.join(ARGS.work_dir, "trailing.pdf")
        with open(path, "wb") as f:
            f.write(read(self.pdfs["pdfa-reference"]) + b"appended\n")
        self.assertIn("6.1.3 no data may follow", self.check(path))

    def test_device_cmyk_with_an_rgb_intent(self):
        def fn(o):
            _, page = self.find(o, lambda d: d.get("/Type") == "/Page")
            stream = o["obj:" + page["/Contents"]]["stream"]
            stream["data"] = base64.b64encode(
                b"q 0 0 0 1 k Q\n" + base64.b64decode(stream["data"])).decode()
        self.assertIn("6.2.4.3", self.mutate("cmyk", fn))

    def test_annotations(self):
        def fn(o):
            _, a = self.find(o, lambda d: d.get("/Type") == "/Annot")
            a["/F"] = 0
            a["/AP"] = {"/N": {}, "/D": {}}
            a["/A"] = {"/S": "/Launch", "/F": "u:run.exe"}
        out = self.mutate("annot", fn)
        for rule in ("6.3.2", "6.3.3", "6.6.1"):
            self.assertIn(rule, out)
        out = self.mutate("movie", lambda o: self.find(
            o, lambda d: d.get("/Type") == "/Annot")[1].update({"/Subtype": "/Movie"}))
        self.assertIn("6.3.1", out)

    def test_fonts(self):
        out = self.mutate("encoding", lambda o: self.find(
            o, lambda d: d.get("/Subtype") == "/TrueType")[1].update(
                {"/Encoding": "/StandardEncoding"}))
        self.assertIn("6.2.11.6", out)
        out = self.mutate("cidtogid", lambda o: self.find(
            o, lambda d: d.get("/Subtype") == "/CIDFontType2")[1].pop("/CIDToGIDMap"),
            source="pdfa-cid")
        self.assertIn("6.2.11.3.2", out)
        out = self.mutate("unembedded", lambda o: self.find(
            o, lambda d: d.get("/Type") == "/FontDescriptor")[1].pop("/FontFile2"))
        self.assertIn("6.2.11.4", out)

    def test_output_intent_profile(self):
        def fn(o):
            v, _ = self.find(o, lambda d: d.get("/N") == 3)
            icc = bytearray(base64.b64decode(v["stream"]["data"]))
            icc[12:16] = b"scnr"
            v["stream"]["data"] = base64.b64encode(bytes(icc)).decode()
        self.assertIn("6.2.3", self.mutate("icc", fn))

    def test_xmp(self):
        def fn(o):
            v, _ = self.find(o, lambda d: d.get("/Type") == "/Metadata")
            x = base64.b64decode(v["stream"]["data"])
            x = x.replace(b"<pdfaProperty:category>external", b"<pdfaProperty:category>outside", 1)
            x = x.replace(b"<pdfaSchema:prefix>pprec<", b"<pdfaSchema:prefix>other<")
            x = x.replace(b'<?xpacket begin="\xef\xbb\xbf"',
                          b'<?xpacket begin="\xef\xbb\xbf" encoding="UTF-8"')
            v["stream"]["data"] = base64.b64encode(x).decode()
        out = self.mutate("xmp", fn)
        self.assertIn("bytes or encoding attributes", out)
        self.assertIn("needs category internal or external", out)
        self.assertIn("is not the packet's prefix", out)

    def test_graphics_states(self):
        def fn(o):
            _, page = self.find(o, lambda d: d.get("/Type") == "/Page")
            res = page["/Resources"]
            if isinstance(res, str):
                res = o["obj:" + res]["value"]
            res["/ExtGState"] = {"/G0": {"/TR": "/Identity", "/RI": "/Bogus", "/ca": 0.5,
                                         "/BM": "/Multiply"}}
        out = self.mutate("extgstate", fn)
        for text in ("6.2.5", "6.2.6", "/ca 0.5", "blend mode"):
            self.assertIn(text, out)


# ---- mTLS ------------------------------------------------------------------------

def openssl(*args):
    subprocess.run(["openssl", *args], check=True, capture_output=True)


def make_certificates(d):
    os.makedirs(d, exist_ok=True)

    def ca(name):
        openssl("req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                "/CN=%s" % name, "-keyout", os.path.join(d, name + ".key"), "-out",
                os.path.join(d, name + ".pem"))

    def leaf(name, subject, san=None):
        key, csr, pem = (os.path.join(d, name + ext) for ext in (".key", ".csr", ".pem"))
        openssl("req", "-newkey", "rsa:2048", "-nodes", "-subj", subject, "-keyout", key, "-out", csr)
        cmd = ["x509", "-req", "-in", csr, "-CA", os.path.join(d, "ca.pem"), "-CAkey",
               os.path.join(d, "ca.key"), "-CAcreateserial", "-days", "2", "-out", pem]
        if san:
            ext = os.path.join(d, name + ".ext")
            with open(ext, "w") as f:
                f.write("subjectAltName=%s\n" % san)
            cmd += ["-extfile", ext]
        openssl(*cmd)

    ca("ca")
    leaf("server", "/CN=localhost", "DNS:localhost,IP:127.0.0.1")
    leaf("writer", "/O=Test/CN=panel-client-1")                       # CN only
    leaf("writer-san", "/CN=ignored-cn", "DNS:reports.example.org")   # SAN wins
    leaf("reader", "/CN=someone-else")
    leaf("cn-spoof", "/CN=panel-client-1", "DNS:elsewhere.example.org")
    return d


class MtlsWritersTest(unittest.TestCase):

    def test_writer_allow_list_matches_san_else_cn(self):
        certs = make_certificates(os.path.join(ARGS.work_dir, "archive-certs"))
        c = lambda name: os.path.join(certs, name)  # noqa: E731
        server = Server("MtlsWritersTest", fresh_dir("mtls-data"), "--tls_cert=" + c("server.pem"),
                        "--tls_key=" + c("server.key"), "--tls_client_ca=" + c("ca.pem"),
                        "--archive_writers=panel-client-1,reports.example.org", token_file=False)

        def stub_for(name):
            creds = grpc.ssl_channel_credentials(root_certificates=read(c("ca.pem")),
                                                 private_key=read(c(name + ".key")),
                                                 certificate_chain=read(c(name + ".pem")))
            ch = grpc.secure_channel("localhost:%d" % server.port, creds)
            return ch, archive_grpc.ArchiveServiceStub(ch)

        try:
            for name, expect in (("writer", "mtls:panel-client-1"),
                                 ("writer-san", "mtls:reports.example.org")):
                ch, stub = stub_for(name)
                with ch:
                    r = stub.ArchivePaper(small_request("mtls-" + name), timeout=60)
                    self.assertEqual(r.paper.archived_by, expect)
            for name in ("reader", "cn-spoof"):
                ch, stub = stub_for(name)
                with ch:
                    with self.assertRaises(grpc.RpcError) as cm:
                        stub.ArchivePaper(small_request("mtls-" + name), timeout=60)
                    self.assertEqual(cm.exception.code(), grpc.StatusCode.PERMISSION_DENIED, name)
                    # Any verified certificate may read.
                    data, _ = get_pdf(stub, "mtls-writer", metadata=())
                    self.assertTrue(data.startswith(b"%PDF-"))
            # The CLI with a client certificate.
            out = os.path.join(ARGS.work_dir, "mtls-get.pdf")
            run = subprocess.run([ARGS.cli, "get", "mtls-writer", "-o", out, "--server",
                                  "localhost:%d" % server.port, "--tls_ca", c("ca.pem"),
                                  "--tls_cert", c("reader.pem"), "--tls_key", c("reader.key")],
                                 capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stderr)
        finally:
            self.assertEqual(server.stop(), 0)


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    os.makedirs(ARGS.work_dir, exist_ok=True)
    setup_stubs()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
