#!/usr/bin/env bash
# clang's -Wthread-safety with -Werror (as the sanitizer job builds) refuses
# an unguarded read of an ABSL_GUARDED_BY member and accepts the locked one
# (ctest: thread_safety.analysis). Usage: thread_safety_test.sh CLANGXX
set -uo pipefail
cxx=$1
probe="$(dirname "$0")/thread_safety_probe.cc"
flags=(-std=c++20 -fsyntax-only -Wall -Wextra -Wthread-safety -Werror)
if ! "$cxx" "${flags[@]}" "$probe"; then
  echo "thread_safety_test: the locked probe does not compile" >&2
  exit 1
fi
out=$("$cxx" "${flags[@]}" -DPP_UNGUARDED "$probe" 2>&1) && {
  echo "thread_safety_test: an unguarded read compiled: -Wthread-safety is not checking" >&2
  exit 1
}
if ! grep -q "requires holding mutex 'mu_'" <<<"$out"; then
  echo "thread_safety_test: the unguarded read failed for another reason:" >&2
  echo "$out" >&2
  exit 1
fi
echo "thread_safety_test: unguarded read refused:"
grep "requires holding" <<<"$out"
