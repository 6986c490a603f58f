#!/usr/bin/python3
"""tests/e2e/service_test.py for the sanitizer build, minus the tests that
only pass when the server is fast (their timing windows assume an
uninstrumented server). Registered by tests/fuzz/CMakeLists.txt as
e2e.service.sanitized when PP_SANITIZE=ON; the sanitizer job
(tests/fuzz/sanitizer_job.sh) runs it instead of e2e.service.

Same arguments as service_test.py. Every other test of service_test.py runs,
including ones added later; each excluded one is named here with the reason.
"""
import argparse
import os
import sys
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "e2e"))
import service_test as e2e  # noqa: E402

EXCLUDED = {
    "HostileTest.test_a_deadline_of_one_millisecond_abandons_the_render":
        "asserts that some calls with a 1 ms deadline get as far as layout before "
        "it expires ('abandoned'). Under ASan+UBSan parsing and validating the "
        "test's 300-1,200-paragraph requests alone takes longer than 1 ms, so "
        "every call is 'dropped' before layout (measured: 33 of 33). Deadlines "
        "expiring inside layout are still covered under the sanitizers by "
        "PaperService.DeadlineAbandonsTheRenderInsideLayout and "
        "HostileClient.DeadlinesExpireInsideRenderAgendaPack.",
    "HostileTest.test_client_cancel_mid_render_abandons_it":
        "cancels StreamPaper calls 5-40 ms after sending a 1.25 MB request and "
        "asserts that one was cancelled inside layout. Under ASan+UBSan (on a "
        "busy 2-core machine) parsing and validating that request takes longer "
        "than 40 ms, so every cancel lands before layout ('dropped', measured: "
        "24 of 24; it passed on an idle machine). Cancellation inside layout is "
        "still covered under the sanitizers, deterministically, by "
        "PaperService.ClientCancelMidRenderIsSeenByLayout (a gate holds the "
        "render) and by HostileClient.CancelsRenderAgendaPackAfterEveryNumberOfMessages.",
}


def without_excluded(suite, skipped):
    out = unittest.TestSuite()
    for test in suite:
        if isinstance(test, unittest.TestSuite):
            out.addTest(without_excluded(test, skipped))
        elif any(test.id().endswith("." + name) for name in EXCLUDED):
            skipped.append(test.id())
        else:
            out.addTest(test)
    return out


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--server", required=True)
    parser.add_argument("--cli", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    e2e.ARGS = parser.parse_args()
    # RSS checks of the unread/cancelled-stream tests are skipped: ASan's
    # allocator quarantines freed memory (the send budget itself is still
    # asserted, and memory release is checked in the normal build and valgrind).
    e2e.SANITIZED = True
    os.makedirs(e2e.ARGS.work_dir, exist_ok=True)
    e2e.setup_stubs()
    skipped = []
    suite = without_excluded(unittest.TestLoader().loadTestsFromModule(e2e), skipped)
    for name in EXCLUDED:
        if not any(s.endswith("." + name) for s in skipped):
            print("excluded test %s no longer exists: update %s" % (name, __file__), file=sys.stderr)
            return 1
    for s in skipped:
        print("excluded under the sanitizers: %s: %s" % (s, EXCLUDED[s.split(".", 1)[1]]),
              file=sys.stderr)
    result = unittest.TextTestRunner(verbosity=2).run(suite)
    return 0 if result.wasSuccessful() else 1


if __name__ == "__main__":
    sys.exit(main())
