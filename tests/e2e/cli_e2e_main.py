"""The entry point shared by the e2e tests that drive `panelpaper` alone.

  if __name__ == "__main__":
      sys.exit(cli_e2e_main.main(tools=("pdftotext",)))

Parses --cli, --source-dir and --work-dir (ctest passes them) into the test
module's ARGS, then runs its unittest cases with the remaining arguments.
When one of `tools` (poppler's programs, say) is missing the test is skipped
(exit 77) - except under CI=true, where it fails.
"""
import argparse
import os
import shutil
import sys
import unittest


def main(tools=()):
    parser = argparse.ArgumentParser()
    parser.add_argument("--cli", required=True)
    parser.add_argument("--source-dir", required=True)
    parser.add_argument("--work-dir", required=True)
    args, rest = parser.parse_known_args()
    sys.modules["__main__"].ARGS = args
    missing = [t for t in tools if shutil.which(t) is None]
    if missing:
        if os.environ.get("CI") == "true":
            print("missing: " + ", ".join(missing))
            return 1
        print("skipped: missing " + ", ".join(missing))
        return 77
    result = unittest.main(argv=[sys.argv[0]] + rest, exit=False).result
    return 0 if result.wasSuccessful() else 1
