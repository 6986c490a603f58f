#!/usr/bin/python3
"""End-to-end tests of the archive store's safety and maintenance: the real
panelpaperd and `panelpaper store check|backup|restore`.

Run by ctest (tests/e2e/CMakeLists.txt) as:
  store_test.py --server build/bin/panelpaperd --cli build/bin/panelpaper \
                --source-dir . --work-dir DIR

Covered (issue 10 items 1, 2 and 8): a store whose index was moved away is
refused at start-up with every PDF kept (and starts again once the index is
back); `store check` reports without changing anything; a backup taken while
8 clients archive, restored into a new directory and served, lists, returns
and verifies every paper it holds, and the papers acknowledged before it
began are among them, nothing lost in the original either; a stored file
replaced by a directory is DATA_LOSS on get and damage in verify, with no
server path in any message; health turns NOT_SERVING when the index is
corrupt (found by a call, which answers DATA_LOSS, or by the periodic probe
with no call at all); page_size above 500 is INVALID_ARGUMENT on
`page_size`.

Helpers (Server, requests, stubs) come from archive_test.py. Missing tools
skip the test (exit 77), except under CI=true where they fail it.
"""
import argparse
import hashlib
import os
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import archive_test as at  # noqa: E402

ARGS = None


def cli(*args):
    return subprocess.run([ARGS.cli, *args], capture_output=True, text=True, timeout=300)


def list_all(stub):
    listed, token = {}, ""
    while True:
        resp = stub.ListArchivedPapers(
            at.archive_pb2.ListArchivedPapersRequest(page_size=500, page_token=token),
            metadata=at.bearer(), timeout=60)
        listed.update({p.paper_id: p.pdf.sha256 for p in resp.papers})
        token = resp.next_page_token
        if not token:
            return listed


def index_rows(directory):
    db = sqlite3.connect("file:%s?mode=ro" % os.path.join(directory, "index.sqlite3"), uri=True)
    try:
        return dict(db.execute("SELECT paper_id, sha256 FROM papers").fetchall())
    finally:
        db.close()


def objects_in(directory):
    return sorted(os.path.relpath(f, directory)
                  for f in at.files_under(os.path.join(directory, "objects")))


class LostIndexTest(unittest.TestCase):
    """Issue 10's reproduction: archive a paper, stop, move index.sqlite3*
    away, start: the PDF used to be deleted and the server started with 0
    papers."""

    def test_a_store_without_its_index_is_refused_and_keeps_every_pdf(self):
        data = at.fresh_dir("lost-index-data")
        server = at.Server("LostIndexTest", data)
        try:
            with server.channel() as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                for i in range(2):
                    stub.ArchivePaper(at.small_request("kept-%d" % i), metadata=at.bearer(), timeout=60)
        finally:
            self.assertEqual(server.stop(), 0)
        before = objects_in(data)
        self.assertEqual(len(before), 2)
        aside = at.fresh_dir("lost-index-aside")
        os.makedirs(aside)
        for name in os.listdir(data):
            if name.startswith("index.sqlite3"):
                shutil.move(os.path.join(data, name), os.path.join(aside, name))

        run = subprocess.run([ARGS.server, "--listen=127.0.0.1:0", "--archive_dir=" + data,
                              "--archive_token_file=" + at.token_file_path()],
                             capture_output=True, text=True, timeout=60)
        self.assertEqual(run.returncode, 1, run.stderr)
        self.assertIn("lost its index: 2 archived PDFs but no index file", run.stderr)
        self.assertIn("panelpaper store check", run.stderr)
        self.assertIn("from a backup", run.stderr)
        self.assertEqual(objects_in(data), before)
        self.assertFalse(os.path.exists(os.path.join(data, "index.sqlite3")))
        self.assertFalse(os.path.exists(os.path.join(data, "quarantine")))

        # The offline check says the same and changes nothing.
        check = cli("store", "check", data)
        self.assertEqual(check.returncode, 1, check.stdout + check.stderr)
        self.assertIn("LOST INDEX", check.stdout)
        self.assertIn("2 PDFs", check.stdout)
        self.assertEqual(objects_in(data), before)

        # The index back: everything is there.
        for name in os.listdir(aside):
            shutil.move(os.path.join(aside, name), os.path.join(data, name))
        self.assertEqual(cli("store", "check", data).returncode, 0)
        server = at.Server("LostIndexTest", data)
        try:
            self.assertIn("2 papers", server.text())
            with server.channel() as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                self.assertEqual(sorted(list_all(stub)), ["kept-0", "kept-1"])
        finally:
            self.assertEqual(server.stop(), 0)


class BackupRestoreTest(unittest.TestCase):

    CLIENTS = 8

    def test_backup_while_eight_clients_archive_then_restore_and_serve(self):
        data = at.fresh_dir("backup-data")
        backup = at.fresh_dir("backup-copy")
        restored = at.fresh_dir("backup-restored")
        server = at.Server("BackupRestoreTest", data, "--archive_workers=2")
        acked, lock, stop = {}, threading.Lock(), threading.Event()
        errors = []

        def client(n):
            with server.channel() as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                k = 0
                while not stop.is_set():
                    pid = "bk-c%d-%d" % (n, k)
                    k += 1
                    try:
                        r = stub.ArchivePaper(at.small_request(pid, paragraphs=3),
                                              metadata=at.bearer(), timeout=60)
                    except at.grpc.RpcError as e:
                        errors.append((pid, e.code()))
                        return
                    with lock:
                        acked[pid] = r.sha256

        threads = [threading.Thread(target=client, args=(n,)) for n in range(self.CLIENTS)]
        try:
            for t in threads:
                t.start()
            deadline = time.time() + 120
            while time.time() < deadline:
                with lock:
                    if len(acked) >= 24:
                        break
                time.sleep(0.01)
            with lock:
                before_backup = dict(acked)
            run = cli("store", "backup", data, backup)
            with lock:
                during_backup = len(acked) - len(before_backup)
            # Writes go on after the backup too.
            time.sleep(0.5)
            stop.set()
            for t in threads:
                t.join(timeout=120)
            self.assertEqual(errors, [])
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn("papers", run.stdout)
        finally:
            stop.set()
            self.assertEqual(server.stop(), 0)
        print("\nbackup test: %d acknowledged before the backup, %d while it ran, %d in all"
              % (len(before_backup), during_backup, len(acked)), file=sys.stderr)

        in_backup = index_rows(backup)
        self.assertGreaterEqual(len(in_backup), len(before_backup))
        for pid, sha in before_backup.items():
            self.assertEqual(in_backup.get(pid), sha, pid)
        for pid, sha in in_backup.items():
            self.assertEqual(acked.get(pid), sha, pid)  # only acknowledged papers, same bytes
        # The backup is a clean store of exactly those PDFs.
        check = cli("store", "check", backup)
        self.assertEqual(check.returncode, 0, check.stdout + check.stderr)
        self.assertEqual(len(objects_in(backup)), len(set(in_backup.values())))
        # Nothing lost in the original either.
        self.assertEqual(index_rows(data), acked)
        self.assertEqual(cli("store", "check", data).returncode, 0)

        # A restore refuses a directory that is not empty (the live store).
        refused = cli("store", "restore", backup, data)
        self.assertEqual(refused.returncode, 1, refused.stdout + refused.stderr)
        self.assertIn("not empty", refused.stderr)
        run = cli("store", "restore", backup, restored)
        self.assertEqual(run.returncode, 0, run.stdout + run.stderr)

        server = at.Server("BackupRestoreTest-restored", restored)
        try:
            self.assertIn("%d papers" % len(in_backup), server.text())
            with server.channel() as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                self.assertEqual(list_all(stub), in_backup)
                for pid, sha in sorted(in_backup.items()):
                    pdf, first = at.get_pdf(stub, pid)
                    self.assertEqual(hashlib.sha256(pdf).hexdigest(), sha, pid)
                    self.assertEqual(first.pdf.sha256, sha, pid)
                for pid in sorted(in_backup)[:12]:
                    v = stub.VerifyArchivedPaper(
                        at.archive_pb2.VerifyArchivedPaperRequest(paper_id=pid),
                        metadata=at.bearer(), timeout=120)
                    self.assertTrue(v.bytes_intact and v.rerender_matches, v)
        finally:
            self.assertEqual(server.stop(), 0)


class DamageAndHealthTest(unittest.TestCase):

    def test_a_stored_file_replaced_by_a_directory_is_damage_without_server_paths(self):
        data = at.fresh_dir("dir-object-data")
        server = at.Server("DirectoryObjectTest", data)
        try:
            with server.channel() as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                r = stub.ArchivePaper(at.small_request("dir-0"), metadata=at.bearer(), timeout=60)
                path = at.object_path(data, r.sha256)
                os.chmod(path, 0o640)
                os.unlink(path)
                os.mkdir(path)
                with self.assertRaises(at.grpc.RpcError) as e:
                    at.get_pdf(stub, "dir-0")
                self.assertEqual(e.exception.code(), at.grpc.StatusCode.DATA_LOSS)
                self.assertNotIn(os.path.abspath(data), e.exception.details())
                self.assertNotIn(ARGS.work_dir, e.exception.details())
                v = stub.VerifyArchivedPaper(at.archive_pb2.VerifyArchivedPaperRequest(paper_id="dir-0"),
                                             metadata=at.bearer(), timeout=60)
                self.assertFalse(v.bytes_intact)
                self.assertEqual(v.stored_sha256, "")
                self.assertNotIn(ARGS.work_dir, v.detail)
                run = cli("verify", "dir-0", "--server", server.address, "--token",
                          token_file_for_cli())
                self.assertEqual(run.returncode, 4, run.stdout + run.stderr)
                # A symbolic link instead of the file is never followed.
                os.rmdir(path)
                outside = os.path.join(ARGS.work_dir, "outside.pdf")
                with open(outside, "wb") as f:
                    f.write(b"%PDF-1.4 not from the archive")
                os.symlink(outside, path)
                with self.assertRaises(at.grpc.RpcError) as e:
                    at.get_pdf(stub, "dir-0")
                self.assertEqual(e.exception.code(), at.grpc.StatusCode.DATA_LOSS)
                self.assertNotIn(ARGS.work_dir, e.exception.details())
        finally:
            self.assertEqual(server.stop(), 0)

    def test_page_size_above_500_is_refused_not_cut(self):
        data = at.fresh_dir("page-size-data")
        server = at.Server("PageSizeTest", data)
        try:
            with server.channel() as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                for size in (501, 100000, -1):
                    with self.assertRaises(at.grpc.RpcError) as e:
                        stub.ListArchivedPapers(at.archive_pb2.ListArchivedPapersRequest(page_size=size),
                                                metadata=at.bearer(), timeout=30)
                    self.assertEqual(e.exception.code(), at.grpc.StatusCode.INVALID_ARGUMENT)
                    self.assertEqual(at.bad_request_fields(e.exception), ["page_size"])
                stub.ListArchivedPapers(at.archive_pb2.ListArchivedPapersRequest(page_size=500),
                                        metadata=at.bearer(), timeout=30)
        finally:
            self.assertEqual(server.stop(), 0)

    def corrupt_index_under_a_running_server(self, name, *flags):
        """Archives 30 papers, restarts (the index checkpointed into
        index.sqlite3), then damages the file under the running server as a
        failing disk would. Returns the running server."""
        data = at.fresh_dir(name + "-data")
        server = at.Server(name, data)
        try:
            with server.channel() as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                for i in range(30):
                    stub.ArchivePaper(at.small_request("ci-%d" % i), metadata=at.bearer(), timeout=60)
        finally:
            self.assertEqual(server.stop(), 0)
        server = at.Server(name, data, *flags)
        with server.channel() as ch:
            self.assertEqual(self.health(ch, "panelpaper.v1.ArchiveService"),
                             at.health_pb2.HealthCheckResponse.SERVING)
        index = os.path.join(data, "index.sqlite3")
        size = os.path.getsize(index)
        self.assertGreater(size, 8192)
        with open(index, "r+b") as f:
            f.seek(4096)
            f.write(bytes((i * 7919) & 0xFF for i in range(size - 4096)))
        return server

    @staticmethod
    def health(ch, service):
        return at.health_grpc.HealthStub(ch).Check(
            at.health_pb2.HealthCheckRequest(service=service), timeout=10).status

    def wait_not_serving(self, ch, seconds):
        deadline = time.time() + seconds
        serving = at.health_pb2.HealthCheckResponse.SERVING
        while time.time() < deadline and self.health(ch, "panelpaper.v1.ArchiveService") == serving:
            time.sleep(0.2)
        self.assertEqual(self.health(ch, "panelpaper.v1.ArchiveService"),
                         at.health_pb2.HealthCheckResponse.NOT_SERVING)
        self.assertEqual(self.health(ch, "panelpaper.v1.PaperService"), serving)

    def test_a_call_that_finds_the_index_corrupt_turns_health_not_serving(self):
        server = self.corrupt_index_under_a_running_server("CorruptIndexCallTest")
        try:
            with server.channel() as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                with self.assertRaises(at.grpc.RpcError) as e:
                    stub.ListArchivedPapers(at.archive_pb2.ListArchivedPapersRequest(),
                                            metadata=at.bearer(), timeout=30)
                self.assertEqual(e.exception.code(), at.grpc.StatusCode.DATA_LOSS)
                self.assertIn("index is corrupt", e.exception.details())
                self.wait_not_serving(ch, 10)
            self.assertIn("archive health: NOT_SERVING", server.text())
        finally:
            self.assertEqual(server.stop(), 0)

    def test_the_probe_finds_a_corrupt_index_without_any_call(self):
        server = self.corrupt_index_under_a_running_server("CorruptIndexProbeTest",
                                                           "--archive_health_probe=1s")
        try:
            with server.channel() as ch:
                self.wait_not_serving(ch, 15)
            self.assertIn("archive health: NOT_SERVING", server.text())
        finally:
            self.assertEqual(server.stop(), 0)


def token_file_for_cli():
    path = os.path.join(ARGS.work_dir, "store-cli-token")
    with open(path, "w") as f:
        f.write(at.TOKEN + "\n")
    os.chmod(path, 0o600)
    return path


def main():
    global ARGS
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    at.ARGS = ARGS
    os.makedirs(ARGS.work_dir, exist_ok=True)
    at.setup_stubs()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
