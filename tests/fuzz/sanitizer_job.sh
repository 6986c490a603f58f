#!/usr/bin/env bash
# The hardening job; .ci/test runs it after the normal build's tests.
#   1. Builds everything with clang, AddressSanitizer + UndefinedBehaviorSanitizer
#      (PP_SANITIZE) and libFuzzer (PP_BUILD_FUZZERS) into ${ASAN_BUILD_DIR:-build-asan},
#      warnings as errors (PP_WARNINGS_AS_ERRORS), among them clang's
#      -Wthread-safety: Abseil's lock annotations (ABSL_GUARDED_BY & co.) in
#      service/ are checked at compile time.
#   2. Runs the whole ctest suite there. A sanitizer report aborts the process
#      (-fno-sanitize-recover), so it fails its test. One exclusion:
#        e2e.service -> replaced by e2e.service.sanitized, the same tests minus two
#        whose timing windows (a 1 ms deadline, cancels 5-40 ms after sending)
#        assume an uninstrumented server (tests/fuzz/e2e_service_sanitized.py
#        names them and says why; both paths stay covered under ASan).
#   3. Runs each fuzz target for ${FUZZ_SECONDS:-30} s from its checked-in corpus
#      (tests/fuzz/corpus/<target>); new inputs go to the build folder, crashes to
#      <build>/fuzz-artifacts/. Any crash, leak, timeout (30 s) or out-of-memory
#      (3 GiB) fails the job.
# Debian's gRPC, protobuf, Abseil, libharu and zlib are not instrumented: ASan
# still checks every access our code makes, and intercepts their malloc/free.
# Built at -O1 with line tables only (what sanitizer reports need; faster to
# compile than -O2 -g). Measured on the 2-core build machine (clean clone): build
# 402 s, tests 132 s, fuzzing 94 s. Longer fuzzing, outside CI:
#   FUZZ_SECONDS=1800 bash tests/fuzz/sanitizer_job.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${ASAN_BUILD_DIR:-build-asan}
seconds=${FUZZ_SECONDS:-30}
start=$SECONDS

export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:strict_string_checks=1:detect_stack_use_after_return=1:check_initialization_order=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tests/fuzz/lsan.supp}

generator=()
if command -v ninja >/dev/null; then generator=(-G Ninja); fi
if [ ! -f "$build/CMakeCache.txt" ]; then
  CC=clang CXX=clang++ cmake -S . -B "$build" "${generator[@]}" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DPP_SANITIZE=ON -DPP_BUILD_FUZZERS=ON -DPP_BUILD_BENCHMARKS=OFF -DPP_WARNINGS_AS_ERRORS=ON \
    "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG" \
    "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -gline-tables-only -DNDEBUG"
fi
cmake --build "$build" --parallel "$(nproc)"
built=$SECONDS
echo "sanitizer job: build $((built - start)) s"

# Not run again here: e2e.service (its sanitized twin runs instead, above),
# and the checks of the source tree, the fonts and our PDF checkers, which
# run no code of ours that the normal build's run didn't already cover
# (layering, format, warnings, thread_safety: the clang build itself is the
# -Wthread-safety check; fonts.reproducible; e2e.ua_check, whose checker
# mutations are Python).
excluded='^(e2e\.service|layering\..*|format\..*|warnings\..*|thread_safety\..*|fonts\.reproducible|e2e\.ua_check)$'
ctest --test-dir "$build" --output-on-failure --parallel "$(nproc)" -E "$excluded"
tested=$SECONDS
echo "sanitizer job: test suite under ASan+UBSan $((tested - built)) s"

mkdir -p "$build/fuzz-artifacts"
for target in render_request structured_request agenda_pack; do
  work="$build/fuzz-corpus/$target"
  mkdir -p "$work"
  log="$build/fuzz-artifacts/$target.log"
  echo "sanitizer job: fuzzing $target for $seconds s (log: $log)"
  if ! "$build/bin/${target}_fuzzer" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=3072 \
      -print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$target-" \
      "$work" "tests/fuzz/corpus/$target" > "$log" 2>&1; then
    tail -n 60 "$log"
    echo "sanitizer job: ${target}_fuzzer failed; the input is in $build/fuzz-artifacts/"
    exit 1
  fi
  grep -E '^(Done|stat::number_of_executed_units|stat::peak_rss_mb)|INITED' "$log" | sed 's/^/  /'
done
echo "sanitizer job: fuzzing $((SECONDS - tested)) s; total $((SECONDS - start)) s"
