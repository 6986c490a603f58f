#!/usr/bin/python3
"""Reload without restart (issue 13 item 5), end to end in the real panelpaperd.

Run by ctest (tests/e2e/CMakeLists.txt) as:
  reload_test.py --server build/bin/panelpaperd --cli build/bin/panelpaper \
                 --source-dir . --work-dir DIR

Covered:
  * SIGHUP while clients archive, read and render without pause: no call
    fails, the process keeps running; after the reload the new token is
    accepted and the removed one refused (PERMISSION_DENIED); a file made
    invalid keeps the old tokens (ERROR line saying why); ten SIGHUPs in a
    row drop nothing either; SIGTERM still exits 0.
  * TLS rotation: server certificate, key and client CA replaced by ones from
    another CA; SIGHUP (or panelpaperd's own check on the watcher's
    interval) logs what changed; within --tls_reload_interval new
    connections get the new certificate and need client certificates from
    the new CA; a key that does not match, or is no key, is reported on
    SIGHUP, fails new handshakes (gRPC 1.51 loads what it finds) but not an
    open connection, and serving resumes once the files are put right; bad
    files at start-up are refused with every problem named.
  * --render_auth (item 7): token mode refuses calls without a token or
    with one not in --render_token_file, accepts read-only tokens, and
    reloads the file on SIGHUP (an empty file keeps the old tokens); mtls
    mode names the certificate; bad flag combinations exit 2 (1 for an
    unreadable token file).

Uses archive_test.py's stubs and server, service_test.py's certificates
(openssl). Missing tools skip (exit 77), except under CI=true.
"""
import argparse
import os
import re
import shutil
import signal
import sys
import threading
import time
import unittest

import archive_test as at
import service_test as st

ARGS = None
STEADY = "steady-token-0123456789abcdef"   # in every token file of the test
OLD = "old-token-0123456789abcdef"
NEW = "new-token-0123456789abcdef"


def write_atomically(path, data):
    """As an operator should: a new file renamed over the old one."""
    tmp = path + ".new"
    with open(tmp, "wb" if isinstance(data, bytes) else "w") as f:
        f.write(data)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)


def wait_for(server, pattern, after, timeout=10):
    """The first log line matching `pattern` that starts after offset `after`."""
    end = time.time() + timeout
    while time.time() < end:
        m = re.search(pattern, server.text()[after:], re.M)
        if m:
            return m.group(0)
        time.sleep(0.05)
    raise AssertionError("no log line /%s/ after the signal:\n%s" % (pattern, server.text()[after:]))


class Load:
    """Clients calling without pause — archive (new ids), get, render — with
    the steady token; counts calls and keeps every failure."""

    def __init__(self, address, clients=3):
        self.address = address
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.calls = 0
        self.failures = []
        self.threads = [threading.Thread(target=self.run, args=(i,)) for i in range(clients)]

    def run(self, n):
        from panelpaper.v1 import paper_service_pb2_grpc as sg
        with at.grpc.insecure_channel(self.address) as ch:
            archive = at.archive_grpc.ArchiveServiceStub(ch)
            render = sg.PaperServiceStub(ch)
            i = 0
            while not self.stop.is_set():
                i += 1
                paper_id = "load-%d-%d" % (n, i)
                try:
                    archive.ArchivePaper(at.small_request(paper_id, paragraphs=1),
                                         metadata=at.bearer(STEADY), timeout=60)
                    at.get_pdf(archive, paper_id, metadata=at.bearer(STEADY))
                    render.RenderPaper(at.small_request(paper_id, paragraphs=1).render, timeout=60)
                    with self.lock:
                        self.calls += 3
                except at.grpc.RpcError as e:
                    with self.lock:
                        self.failures.append("%s: %s %s" % (paper_id, e.code(), e.details()))

    def __enter__(self):
        for t in self.threads:
            t.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        for t in self.threads:
            t.join(120)

    def wait_calls(self, more, timeout=60):
        """Until `more` further calls have succeeded."""
        with self.lock:
            target = self.calls + more
        end = time.time() + timeout
        while time.time() < end:
            with self.lock:
                if self.calls >= target:
                    return
            time.sleep(0.02)
        raise AssertionError("the load stalled")


class TokenReloadTest(unittest.TestCase):

    def code_of(self, stub, token, paper_id):
        try:
            stub.ArchivePaper(at.small_request(paper_id), metadata=at.bearer(token), timeout=60)
            return "OK"
        except at.grpc.RpcError as e:
            return e.code().name

    def test_sighup_during_calls_swaps_tokens_and_drops_nothing(self):
        tokens = os.path.join(ARGS.work_dir, "reload-tokens")
        write_atomically(tokens, "steady %s\nclerk %s\n" % (STEADY, OLD))
        server = at.Server("TokenReloadTest", at.fresh_dir("reload-data"),
                           "--archive_token_file=" + tokens, "--archive_workers=2", token_file=False)
        try:
            with server.channel() as ch:
                stub = at.archive_grpc.ArchiveServiceStub(ch)
                self.assertEqual(self.code_of(stub, OLD, "before-old"), "OK")
                self.assertEqual(self.code_of(stub, NEW, "before-new"), "PERMISSION_DENIED")
                with Load(server.address) as load:
                    load.wait_calls(6)
                    # The reload: clerk's old token out, a new one in.
                    write_atomically(tokens, "steady %s\nclerk %s\n" % (STEADY, NEW))
                    mark = len(server.text())
                    server.proc.send_signal(signal.SIGHUP)
                    line = wait_for(server, r"INFO reload: archive tokens from .*$", mark)
                    self.assertIn("2 tokens (2 may write); replaced: clerk", line)
                    self.assertNotIn(NEW, server.text())
                    load.wait_calls(6)
                    self.assertEqual(self.code_of(stub, NEW, "after-new"), "OK")
                    self.assertEqual(self.code_of(stub, OLD, "after-old"), "PERMISSION_DENIED")
                    # An invalid file: the tokens stay as they were.
                    write_atomically(tokens, "steady %s\nclerk short\n" % STEADY)
                    mark = len(server.text())
                    server.proc.send_signal(signal.SIGHUP)
                    line = wait_for(server, r"ERROR reload: archive tokens: .*$", mark)
                    self.assertIn("line 2: a token must be at least 16", line)
                    self.assertIn("kept the 2 tokens loaded before", line)
                    load.wait_calls(6)
                    self.assertEqual(self.code_of(stub, NEW, "kept-new"), "OK")
                    self.assertEqual(self.code_of(stub, OLD, "kept-old"), "PERMISSION_DENIED")
                    # A file that disappeared: the same.
                    os.unlink(tokens)
                    mark = len(server.text())
                    server.proc.send_signal(signal.SIGHUP)
                    wait_for(server, r"ERROR reload: archive tokens: .*kept the 2 tokens", mark)
                    write_atomically(tokens, "steady %s\nclerk %s\n" % (STEADY, NEW))
                    # Ten reloads back to back, calls going on.
                    for _ in range(10):
                        server.proc.send_signal(signal.SIGHUP)
                        time.sleep(0.02)
                    load.wait_calls(6)
                    self.assertIsNone(server.proc.poll(), "panelpaperd died on SIGHUP")
                self.assertEqual(load.failures, [])
                self.assertGreater(load.calls, 20)
                self.assertEqual(self.code_of(stub, NEW, "end-new"), "OK")
            # Every call of the load is in the access log, none denied.
            denied = [l for l in server.text().splitlines() if " access " in l and "outcome=denied" in l]
            self.assertEqual(len(denied), 3, denied)  # before-new, after-old, kept-old
            self.assertIsNone(server.proc.poll())
        finally:
            self.assertEqual(server.stop(), 0, server.text())


class TlsReloadTest(unittest.TestCase):

    @classmethod
    def setUpClass(cls):
        # Two independent sets: every CA, certificate and key differs.
        cls.a = st.make_certificates(os.path.join(ARGS.work_dir, "certs-a"))
        cls.b = st.make_certificates(os.path.join(ARGS.work_dir, "certs-b"))

    def install(self, live, certs):
        for name in ("server.pem", "server.key", "ca.pem"):
            write_atomically(os.path.join(live, name), at.read(os.path.join(certs, name)))

    def creds(self, certs):
        return at.grpc.ssl_channel_credentials(
            root_certificates=at.read(os.path.join(certs, "ca.pem")),
            private_key=at.read(os.path.join(certs, "client.key")),
            certificate_chain=at.read(os.path.join(certs, "client.pem")))

    def health(self, server, certs, timeout=5):
        """SERVING over a new connection trusting `certs`' CA with its client
        certificate, or the gRPC status code name."""
        # A subchannel pool of its own: never an existing connection.
        ch = at.grpc.secure_channel("localhost:%d" % server.port, self.creds(certs),
                                    options=[("grpc.use_local_subchannel_pool", 1)])
        try:
            at.health_grpc.HealthStub(ch).Check(at.health_pb2.HealthCheckRequest(), timeout=timeout)
            return "SERVING"
        except at.grpc.RpcError as e:
            return e.code().name
        finally:
            ch.close()

    def wait_health(self, server, certs, want, timeout=15):
        end = time.time() + timeout
        got = None
        while time.time() < end:
            got = self.health(server, certs)
            if got == want:
                return
            time.sleep(0.25)
        self.fail("still %s with %s after %ds:\n%s" % (got, certs, timeout, server.text()))

    def test_rotation_is_logged_on_sighup_and_served_by_the_watcher(self):
        live = os.path.join(ARGS.work_dir, "tls-live")
        shutil.rmtree(live, ignore_errors=True)
        os.makedirs(live)
        self.install(live, self.a)
        server = st.Server("TlsReloadTest", "--tls_cert=" + os.path.join(live, "server.pem"),
                           "--tls_key=" + os.path.join(live, "server.key"),
                           "--tls_client_ca=" + os.path.join(live, "ca.pem"),
                           "--tls_reload_interval=1s")
        try:
            self.assertIn("TLS: CN=localhost (sha256 ", server.text())
            self.assertEqual(self.health(server, self.a), "SERVING")
            self.assertEqual(self.health(server, self.b), "UNAVAILABLE")
            # Rotate everything to set b.
            mark = len(server.text())
            self.install(live, self.b)
            server.proc.send_signal(signal.SIGHUP)
            wait_for(server, r"INFO reload: done", mark)
            # Reported by SIGHUP, or by panelpaperd's own check on the
            # watcher's interval if that came first (then SIGHUP says unchanged).
            log = server.text()[mark:]
            self.assertRegex(log, r"INFO (reload: )?TLS certificate: CN=localhost \(sha256 [0-9a-f]{16}\.\.\., "
                                  r"valid until [^)]*\) -> CN=localhost \(sha256 ")
            self.assertRegex(log, r"INFO (reload: )?TLS private key: changed")
            self.assertRegex(log, r"INFO (reload: )?TLS client CA: 1 certificate -> 1 certificate \(CN=ca\)")
            self.assertNotIn("PRIVATE KEY", server.text())
            self.wait_health(server, self.b, "SERVING")
            self.assertEqual(self.health(server, self.a), "UNAVAILABLE")
            # gRPC 1.51's watcher loads the files as they are. A key of the
            # other set (valid, but not this certificate's), or a file that
            # is no key at all: reported at once on SIGHUP; new connections
            # fail until the files are put right; a connection opened before
            # keeps working.
            key = os.path.join(live, "server.key")
            opened = at.grpc.secure_channel("localhost:%d" % server.port, self.creds(self.b),
                                            options=[("grpc.use_local_subchannel_pool", 1)])
            self.addCleanup(opened.close)
            opened_health = at.health_grpc.HealthStub(opened)
            opened_health.Check(at.health_pb2.HealthCheckRequest(), timeout=5)
            for broken, problem in ((at.read(os.path.join(self.a, "server.key")),
                                     "--tls_key %s does not belong to the certificate CN=localhost" % key),
                                    ("not a key\n", "--tls_key %s: not a PEM private key" % key)):
                mark = len(server.text())
                write_atomically(key, broken)
                # panelpaperd's own check on the watcher's interval sees it
                # with no signal; SIGHUP reports it again.
                line = wait_for(server, r"ERROR TLS files: .*$", mark)
                self.assertIn(problem, line)
                mark = len(server.text())
                server.proc.send_signal(signal.SIGHUP)
                line = wait_for(server, r"ERROR reload: TLS files: .*$", mark)
                self.assertIn(problem, line)
                self.assertIn("new TLS connections fail until the files are put right", line)
                self.wait_health(server, self.b, "UNAVAILABLE")
                opened_health.Check(at.health_pb2.HealthCheckRequest(), timeout=5)
                # Put right: reported as unchanged since the last good set, served again.
                write_atomically(key, at.read(os.path.join(self.b, "server.key")))
                mark = len(server.text())
                server.proc.send_signal(signal.SIGHUP)
                wait_for(server, r"INFO reload: TLS files unchanged", mark)
                self.wait_health(server, self.b, "SERVING")
            self.assertIsNone(server.proc.poll())
        finally:
            self.assertEqual(server.stop(), 0, server.text())

    def test_bad_tls_files_refuse_start_up_with_every_problem(self):
        bad = os.path.join(ARGS.work_dir, "tls-bad")
        shutil.rmtree(bad, ignore_errors=True)
        os.makedirs(bad)
        write_atomically(os.path.join(bad, "ca.pem"), "no certificate here\n")
        with self.assertRaises(AssertionError) as cm:
            st.Server("TlsBadTest", "--tls_cert=" + os.path.join(self.a, "server.pem"),
                      "--tls_key=" + os.path.join(self.b, "server.key"),
                      "--tls_client_ca=" + os.path.join(bad, "ca.pem"))
        message = str(cm.exception)
        self.assertIn("panelpaperd: TLS: --tls_key %s does not belong to the certificate CN=localhost"
                      % os.path.join(self.b, "server.key"), message)
        self.assertIn("--tls_client_ca %s: no PEM certificate in it" % os.path.join(bad, "ca.pem"), message)


class RenderAuthTest(unittest.TestCase):
    """--render_auth (issue 13 item 7): the archive's credential rules for
    rendering; its token file reloads on SIGHUP like the archive's."""

    def render_code(self, server, token=None, creds=None):
        from panelpaper.v1 import paper_service_pb2_grpc as sg
        ch = (at.grpc.secure_channel("localhost:%d" % server.port, creds) if creds
              else at.grpc.insecure_channel(server.address))
        with ch:
            try:
                sg.PaperServiceStub(ch).RenderPaper(at.small_request("r").render, timeout=60,
                                                    metadata=at.bearer(token) if token else ())
                return "OK"
            except at.grpc.RpcError as e:
                return e.code().name

    def test_token_mode_needs_a_token_from_its_file_and_reloads_it(self):
        tokens = os.path.join(ARGS.work_dir, "render-tokens")
        write_atomically(tokens, "app %s read\n" % OLD)
        server = st.Server("RenderAuthTest", "--render_auth=token", "--render_token_file=" + tokens)
        try:
            self.assertIn("render: a bearer token is needed (1 tokens from", server.text())
            self.assertEqual(self.render_code(server), "UNAUTHENTICATED")
            self.assertEqual(self.render_code(server, NEW), "PERMISSION_DENIED")
            self.assertEqual(self.render_code(server, OLD), "OK")  # a read-only token may render
            write_atomically(tokens, "app %s\n" % NEW)
            mark = len(server.text())
            server.proc.send_signal(signal.SIGHUP)
            line = wait_for(server, r"INFO reload: render tokens from .*$", mark)
            self.assertIn("1 token (1 may write); replaced: app; now may write: app", line)
            self.assertEqual(self.render_code(server, NEW), "OK")
            self.assertEqual(self.render_code(server, OLD), "PERMISSION_DENIED")
            write_atomically(tokens, "")
            mark = len(server.text())
            server.proc.send_signal(signal.SIGHUP)
            wait_for(server, r"ERROR reload: render tokens: .*no tokens; kept the 1 token loaded before", mark)
            self.assertEqual(self.render_code(server, NEW), "OK")
            end = time.time() + 10  # a call's line is written once gRPC is done with it
            while time.time() < end and len([a for a in server.access()]) < 6:
                time.sleep(0.05)
            access = [a for a in server.access() if a["method"] == "RenderPaper"]
            self.assertEqual([a["outcome"] for a in access],
                             ["denied", "denied", "ok", "ok", "denied", "ok"])
            self.assertEqual(access[2]["client"], "token:app")
            self.assertNotIn(OLD, server.text())
        finally:
            self.assertEqual(server.stop(), 0, server.text())

    def test_mtls_mode_names_the_certificate(self):
        certs = st.make_certificates(os.path.join(ARGS.work_dir, "certs-render"))
        c = lambda name: os.path.join(certs, name)  # noqa: E731
        server = st.Server("RenderAuthMtlsTest", "--render_auth=mtls", "--tls_cert=" + c("server.pem"),
                           "--tls_key=" + c("server.key"), "--tls_client_ca=" + c("ca.pem"))
        try:
            creds = at.grpc.ssl_channel_credentials(
                root_certificates=at.read(c("ca.pem")), private_key=at.read(c("client.key")),
                certificate_chain=at.read(c("client.pem")))
            self.assertEqual(self.render_code(server, creds=creds), "OK")
            self.assertEqual(server.wait_access(lambda a: True)[-1]["client"], "mtls:panel-client-1")
        finally:
            self.assertEqual(server.stop(), 0, server.text())

    def test_bad_render_auth_flags(self):
        import subprocess
        missing = os.path.join(ARGS.work_dir, "no-such-render-tokens")
        for flags, status, message in (
                (["--render_auth=open"], 2, "--render_auth must be none, token or mtls"),
                (["--render_auth=token"], 2, "--render_auth=token needs --render_token_file"),
                (["--render_token_file=" + missing], 2, "--render_token_file is used with --render_auth=token only"),
                (["--render_auth=mtls"], 2, "--render_auth=mtls needs --tls_client_ca"),
                (["--render_auth=token", "--render_token_file=" + missing], 1, "--render_token_file: ")):
            run = subprocess.run([ARGS.server, "--listen=127.0.0.1:0", *flags], capture_output=True,
                                 text=True, timeout=60)
            self.assertEqual(run.returncode, status, (flags, run.stderr))
            self.assertIn(message, run.stderr, flags)
        # On loopback, no warning about open rendering.
        server = st.Server("RenderAuthNoneTest")
        try:
            self.assertNotIn("anyone who can reach", server.text())
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
    at.ARGS = st.ARGS = ARGS
    at.setup_stubs()
    unittest.main(argv=[sys.argv[0], "-v", *rest])


if __name__ == "__main__":
    main()
