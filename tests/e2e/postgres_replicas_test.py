#!/usr/bin/python3
"""End-to-end tests of the PostgreSQL archive store: several panelpaperd
replicas on one database (panelpaperd --archive_postgres), the CLI's
`store migrate-schema` and `store copy`.

Run by ctest (tests/e2e/CMakeLists.txt) as:
  postgres_replicas_test.py --server build/bin/panelpaperd --cli build/bin/panelpaper \
                            --source-dir . --work-dir DIR

A throwaway PostgreSQL 15 (pg_fixture.py: initdb + pg_ctl on a Unix socket
in a temp dir) is started for the run; the schema is made with `panelpaper
store migrate-schema --grant-to pp_writer` and the replicas connect as
pp_writer (SELECT + INSERT only). Clients reach the replicas through one
channel balancing over both (round_robin over ipv4:127.0.0.1:P1,127.0.0.1:P2).

Covered: 16 clients archiving through two replicas, every paper read back
and re-hashed, both replicas serving, papers/s through two replicas against
one printed; 24 clients racing on one paper_id -> exactly one created, the
rest idempotent or ALREADY_EXISTS, one row, one PDF; one replica SIGKILLed
mid-burst -> every acknowledged paper readable and verified through the
other; start-up refusals (a password in the conninfo, both stores, no
schema); `store copy` of a local archive, served by a replica afterwards.

Missing tools skip the test (exit 77), except under CI=true where they fail it.
"""
import argparse
import hashlib
import os
import re
import signal
import subprocess
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import archive_test as at  # noqa: E402  (helpers: stubs, requests, tokens)
import pg_fixture  # noqa: E402

ARGS = None
PG = None


class Replica:
    """panelpaperd on 127.0.0.1:<free port> with --archive_postgres."""

    def __init__(self, name, conninfo, *flags):
        self.log_path = os.path.join(ARGS.work_dir, name + ".log")
        self.log = open(self.log_path, "w+")
        args = [ARGS.server, "--listen=127.0.0.1:0", "--archive_postgres=" + conninfo,
                "--archive_token_file=" + at.token_file_path()]
        self.proc = subprocess.Popen(args + list(flags), stdout=subprocess.DEVNULL, stderr=self.log)
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

    def archive_calls(self):
        return len(re.findall(r"method=ArchivePaper ", self.text()))

    def stop(self):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
        try:
            return self.proc.wait(timeout=60)
        finally:
            self.log.close()

    def kill(self):
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=30)
        self.log.close()


def balanced(*replicas):
    target = "ipv4:" + ",".join("127.0.0.1:%d" % r.port for r in replicas)
    return at.grpc.insecure_channel(target, options=[("grpc.lb_policy_name", "round_robin")])


def run_clients(n, work):
    """Runs work(i) in n threads at once; their results, in order."""
    results = [None] * n
    start = threading.Barrier(n)

    def go(i):
        start.wait()
        results[i] = work(i)

    threads = [threading.Thread(target=go, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results


def start_failure(*flags):
    """panelpaperd's exit status and stderr when it refuses to start."""
    r = subprocess.run([ARGS.server, "--listen=127.0.0.1:0",
                        "--archive_token_file=" + at.token_file_path()] + list(flags),
                       capture_output=True, text=True, timeout=60)
    return r.returncode, r.stderr


class ReplicasTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        cls.owner = PG.new_database()
        run = subprocess.run([ARGS.cli, "store", "migrate-schema", "--postgres", cls.owner,
                              "--grant-to", pg_fixture.WRITER_ROLE], capture_output=True, text=True)
        if run.returncode != 0:
            raise AssertionError("migrate-schema: " + run.stdout + run.stderr)
        cls.writer = PG.as_role(cls.owner)
        cls.a = Replica("replica-a", cls.writer)
        cls.b = Replica("replica-b", cls.writer)

    @classmethod
    def tearDownClass(cls):
        for r in (cls.a, cls.b):
            if r.proc.poll() is None:
                r.stop()

    def count(self, sql):
        return int(PG.sql(self.owner, sql)[0][0])

    def archive_all(self, channel, prefix, clients=16, each=6):
        stub = at.archive_grpc.ArchiveServiceStub(channel)

        def work(i):
            out = []
            for j in range(each):
                pid = "%s-%02d-%d" % (prefix, i, j)
                r = stub.ArchivePaper(at.small_request(pid, paragraphs=2), metadata=at.bearer(),
                                      timeout=60)
                out.append((pid, r.sha256, r.created))
            return out

        t0 = time.monotonic()
        results = [x for r in run_clients(clients, work) for x in r]
        return results, len(results) / (time.monotonic() - t0)

    def test_1_sixteen_clients_through_two_replicas(self):
        calls_before = (self.a.archive_calls(), self.b.archive_calls())
        with balanced(self.a, self.b) as ch:
            results, two = self.archive_all(ch, "two")
            self.assertEqual(len(results), 96)
            self.assertTrue(all(created for _, _, created in results))
            stub = at.archive_grpc.ArchiveServiceStub(ch)
            for pid, sha, _ in results:
                data, record = at.get_pdf(stub, pid)
                self.assertEqual(hashlib.sha256(data).hexdigest(), sha, pid)
                self.assertEqual(record.pdf.sha256, sha)
        # Both replicas took archive calls.
        self.assertGreater(self.a.archive_calls(), calls_before[0])
        self.assertGreater(self.b.archive_calls(), calls_before[1])
        self.assertEqual(self.count("SELECT count(*) FROM papers WHERE paper_id LIKE 'two-%'"), 96)
        with at.grpc.insecure_channel(self.a.address) as ch:
            _, one = self.archive_all(ch, "one")
        print("\nFIGURES: 16 clients, 96 papers: %.0f papers/s through two replicas, "
              "%.0f papers/s through one (%d cores)" % (two, one, os.cpu_count()), flush=True)

    def test_2_racing_on_one_paper_id(self):
        pdfs_before = self.count("SELECT count(*) FROM pdfs")
        with balanced(self.a, self.b) as ch:
            stub = at.archive_grpc.ArchiveServiceStub(ch)

            def work(i):
                req = at.small_request("race", paragraphs=2)
                if i % 4 == 0:  # another request under the same id
                    req.sign_off.decision_reference = "OTHER/%d" % i
                try:
                    r = stub.ArchivePaper(req, metadata=at.bearer(), timeout=60)
                    return "created" if r.created else "idempotent"
                except at.grpc.RpcError as e:
                    return e.code()

            outcomes = run_clients(24, work)
        self.assertEqual(outcomes.count("created"), 1, outcomes)
        for o in outcomes:
            self.assertIn(o, ("created", "idempotent", at.grpc.StatusCode.ALREADY_EXISTS))
        self.assertEqual(self.count("SELECT count(*) FROM papers WHERE paper_id = 'race'"), 1)
        self.assertEqual(self.count("SELECT count(*) FROM pdfs") - pdfs_before, 1)

    def test_3_a_replica_killed_mid_burst_loses_nothing_acknowledged(self):
        acknowledged = []
        lock = threading.Lock()
        stop = time.monotonic() + 3.0
        with balanced(self.a, self.b) as ch:
            stub = at.archive_grpc.ArchiveServiceStub(ch)

            def work(i):
                j = 0
                while time.monotonic() < stop:
                    pid = "burst-%02d-%d" % (i, j)
                    j += 1
                    try:
                        r = stub.ArchivePaper(at.small_request(pid, paragraphs=2),
                                              metadata=at.bearer(), timeout=30)
                        with lock:
                            acknowledged.append((pid, r.sha256))
                    except at.grpc.RpcError:
                        pass  # the killed replica's calls: not acknowledged

            killer = threading.Timer(1.0, self.a.kill)
            killer.start()
            run_clients(16, work)
            killer.join()
        self.assertGreater(len(acknowledged), 16)
        with at.grpc.insecure_channel(self.b.address) as ch:
            stub = at.archive_grpc.ArchiveServiceStub(ch)
            for pid, sha in acknowledged:
                data, _ = at.get_pdf(stub, pid)
                self.assertEqual(hashlib.sha256(data).hexdigest(), sha, pid)
                v = stub.VerifyArchivedPaper(at.archive_pb2.VerifyArchivedPaperRequest(paper_id=pid),
                                             metadata=at.bearer(), timeout=60)
                self.assertTrue(v.bytes_intact, pid)
        # No row without its bytes (the foreign key; checked anyway).
        self.assertEqual(self.count(
            "SELECT count(*) FROM papers p LEFT JOIN pdfs d USING (sha256) WHERE d.sha256 IS NULL"), 0)


class StartAndCopyTest(unittest.TestCase):

    def test_start_up_refusals(self):
        db = PG.new_database()
        code, err = start_failure("--archive_postgres=" + db + " password=hunter2")
        self.assertEqual(code, 2, err)
        self.assertIn("PGPASSFILE", err)
        self.assertNotIn("hunter2", err)
        code, err = start_failure("--archive_postgres=" + db,
                                  "--archive_dir=" + os.path.join(ARGS.work_dir, "both"))
        self.assertEqual(code, 2, err)
        self.assertIn("exclusive", err)
        code, err = start_failure("--archive_postgres=" + db)
        self.assertEqual(code, 1, err)
        self.assertIn("migrate-schema", err)
        run = subprocess.run([ARGS.cli, "store", "migrate-schema", "--postgres",
                              "postgresql://u:hunter2@localhost/x"], capture_output=True, text=True)
        self.assertEqual(run.returncode, 2, run.stderr)

    def test_copy_a_local_archive_then_serve_it(self):
        local = at.fresh_dir("copy-local")
        server = at.Server("copy-local", local)
        with server.channel() as ch:
            stub = at.archive_grpc.ArchiveServiceStub(ch)
            shas = {pid: stub.ArchivePaper(at.small_request(pid), metadata=at.bearer(),
                                           timeout=60).sha256 for pid in ("c1", "c2", "c3")}
        self.assertEqual(server.stop(), 0)
        db = PG.new_database()
        subprocess.run([ARGS.cli, "store", "migrate-schema", "--postgres", db, "--grant-to",
                        pg_fixture.WRITER_ROLE], check=True, capture_output=True)
        for attempt, expect in ((1, "3 copied"), (2, "3 there already")):
            run = subprocess.run([ARGS.cli, "store", "copy", "--from", local, "--to-postgres",
                                  PG.as_role(db)], capture_output=True, text=True)
            self.assertEqual(run.returncode, 0, run.stdout + run.stderr)
            self.assertIn(expect, run.stdout)
            self.assertIn("3 read back and verified", run.stdout)
        replica = Replica("copy-replica", PG.as_role(db))
        try:
            with at.grpc.insecure_channel(replica.address) as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                for pid, sha in shas.items():
                    data, record = at.get_pdf(stub, pid)
                    self.assertEqual(hashlib.sha256(data).hexdigest(), sha)
                    self.assertEqual(record.archived_by, "token:clerk")
                    again = stub.ArchivePaper(at.small_request(pid), metadata=at.bearer(), timeout=60)
                    self.assertFalse(again.created)  # the request came along
        finally:
            self.assertEqual(replica.stop(), 0)


def main():
    global ARGS, PG
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    ARGS, rest = parser.parse_known_args()
    os.makedirs(ARGS.work_dir, exist_ok=True)
    at.ARGS = ARGS
    why = pg_fixture.unavailable()
    if why:
        at.skip_or_fail(why)
    at.setup_stubs()
    PG = pg_fixture.PostgresServer.start()
    try:
        program = unittest.main(argv=[sys.argv[0], "-v", *rest], exit=False)
    finally:
        PG.stop()
    sys.exit(0 if program.result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
