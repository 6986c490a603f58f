#!/usr/bin/python3
"""The issue 13 figures, measured with build/bin/load_generator:

  (a) papers/s archived (ArchivePaper, the reference paper under a new id per
      call) through one panelpaperd and through two replicas sharing one
      PostgreSQL database (a round_robin channel per client over both);
  (b) RenderPaper throughput with --metrics_listen on against off (the
      metrics must cost < 2 %), runs alternated, median of each; also the
      server's CPU time per call (load_generator reads /proc), which other
      load on the machine disturbs far less than throughput.

  /usr/bin/python3 tests/benchmarks/fleet_figures.py --bin build/bin \\
      [--archive_calls 2000] [--render_calls 20000] [--rounds 3] [--clients 16]

PostgreSQL is the throwaway one of the e2e tests (tests/e2e/pg_fixture.py:
initdb in /tmp, a Unix socket only; as root it runs as `postgres`). Note
that it runs with fsync=off (as in the tests): archive figures leave out the
database's own disk flushes; the replicas still commit synchronously.

Everything shares one machine: on a 2-core host two replicas compete with
each other, the database and the clients for the same cores, so (a) shows
the overhead of spreading the load rather than scaling; run it where the
replicas (and the database) have cores of their own for a scaling figure.
Figures, not pass/fail: not a ctest.
"""
import argparse
import os
import re
import signal
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import pg_fixture  # noqa: E402

TOKEN = "load-token-0123456789abcdef"


def start_server(binary, log_path, *flags):
    log = open(log_path, "w+")
    proc = subprocess.Popen([binary, "--listen=127.0.0.1:0", "--log_level=warning", *flags],
                            stdout=subprocess.DEVNULL, stderr=log)
    deadline = time.time() + 60
    while time.time() < deadline:
        with open(log_path) as f:
            m = re.search(r"serving on (\S+)", f.read())
        if m:
            return proc, m.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.05)
    proc.kill()
    with open(log_path) as f:
        raise SystemExit("panelpaperd did not start:\n" + f.read())


def stop(proc):
    proc.send_signal(signal.SIGTERM)
    proc.wait(timeout=120)


def load(args, *flags):
    """Runs load_generator; its papers/s and the server's CPU ms per call
    (None when it did not start the server) (the whole output on failure)."""
    cmd = [os.path.join(args.bin, "load_generator"), "--clients=%d" % args.clients,
           "--ceiling_renders=0", *flags]
    run = subprocess.run(cmd, capture_output=True, text=True)
    m = re.search(r"throughput: ([0-9.]+) papers/s", run.stdout)
    if run.returncode != 0 or m is None:
        raise SystemExit("load_generator failed (%d): %s\n%s%s" % (run.returncode, " ".join(cmd),
                                                                  run.stdout, run.stderr))
    cpu = re.search(r"CPU per call: server ([0-9.]+) ms", run.stdout)
    return float(m.group(1)), (float(cpu.group(1)) if cpu and float(cpu.group(1)) > 0 else None)


def archive_figures(args, work):
    why = pg_fixture.unavailable()
    if why:
        print("(a) skipped: " + why)
        return
    pg = pg_fixture.PostgresServer.start()
    try:
        token_file = os.path.join(work, "token")
        with open(token_file, "w") as f:
            f.write(TOKEN + "\n")
        tokens = os.path.join(work, "tokens")
        with open(tokens, "w") as f:
            f.write("load %s\n" % TOKEN)
        os.chmod(tokens, 0o600)
        results = {}
        for replicas in [n for _ in range(args.rounds) for n in (1, 2)]:
            owner = pg.new_database()  # a fresh database per run: the same starting point
            subprocess.run([os.path.join(args.bin, "panelpaper"), "store", "migrate-schema",
                            "--postgres", owner, "--grant-to", pg_fixture.WRITER_ROLE],
                           check=True, capture_output=True)
            conninfo = pg.as_role(owner)
            servers = [start_server(os.path.join(args.bin, "panelpaperd"),
                                    os.path.join(work, "replica-%d.log" % i),
                                    "--archive_postgres=" + conninfo, "--archive_token_file=" + tokens)
                       for i in range(replicas)]
            try:
                rate, _ = load(args, "--method=ArchivePaper", "--token_file=" + token_file,
                            "--server=" + ",".join(a for _, a in servers),
                            "--calls=%d" % args.archive_calls, "--warmup=%d" % (args.archive_calls // 10),
                            "--verify_every=1000000")
            finally:
                for proc, _ in servers:
                    stop(proc)
            results.setdefault(replicas, []).append(rate)
            print("  archive, %d replica%s: %.1f papers/s" % (replicas, "" if replicas == 1 else "s", rate),
                  flush=True)
        one, two = statistics.median(results[1]), statistics.median(results[2])
        print("(a) ArchivePaper through PostgreSQL: 1 replica %.1f papers/s, 2 replicas %.1f papers/s "
              "(x%.2f)" % (one, two, two / one))
    finally:
        pg.stop()


def render_figures(args):
    results = {"off": [], "on": []}
    cpu = {"off": [], "on": []}
    for _ in range(args.rounds):
        for mode in ("off", "on"):
            flags = ["--calls=%d" % args.render_calls, "--warmup=%d" % (args.render_calls // 10)]
            if mode == "on":
                flags.append("--server_args=--metrics_listen=127.0.0.1:0")
            rate, ms = load(args, *flags)
            results[mode].append(rate)
            cpu[mode].append(ms)
            print("  render, metrics %s: %.1f papers/s, server CPU %.3f ms/call" % (mode, rate, ms),
                  flush=True)
    off, on = statistics.median(results["off"]), statistics.median(results["on"])
    print("(b) RenderPaper: metrics off %.1f papers/s, on %.1f papers/s (%+.1f %%)"
          % (off, on, 100.0 * (on - off) / off))
    # The server's CPU per call is what the metrics cost; it is far less
    # sensitive than throughput to other load on the machine.
    c_off, c_on = statistics.median(cpu["off"]), statistics.median(cpu["on"])
    print("    server CPU per call: metrics off %.3f ms, on %.3f ms (%+.1f %%)"
          % (c_off, c_on, 100.0 * (c_on - c_off) / c_off))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--bin", default="build/bin", help="folder of panelpaperd, panelpaper, load_generator")
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--archive_calls", type=int, default=2000)
    parser.add_argument("--render_calls", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=3, help="runs of each configuration (median)")
    parser.add_argument("--skip", choices=("archive", "render"), action="append", default=[])
    args = parser.parse_args()
    print("%d cores; load average %s" % (os.cpu_count(), " ".join(open("/proc/loadavg").read().split()[:3])))
    with tempfile.TemporaryDirectory(prefix="pp_fleet_") as work:
        if "archive" not in args.skip:
            archive_figures(args, work)
        if "render" not in args.skip:
            render_figures(args)


if __name__ == "__main__":
    main()
