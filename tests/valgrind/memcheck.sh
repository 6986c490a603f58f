#!/usr/bin/env bash
# Valgrind memcheck of the real binaries (issue 6). Too slow for every CI run
# (~5-10 minutes on 2 cores): run it by hand, and before a release.
#
#   bash tests/valgrind/memcheck.sh [BUILD_DIR]     # default: build (a normal, non-sanitizer build)
#
# Checks, each under `valgrind --tool=memcheck --leak-check=full`:
#   1. bin/panelpaper render of the reference paper (tests/testdata/requests);
#   2. bin/panelpaper pack of the agenda-pack fixture;
#   3. bin/panelpaperd serving a 1,000-call session (tests/valgrind/service_session.py:
#      RenderPaper, StreamPaper, RenderAgendaPack, invalid and unparsable requests,
#      RESOURCE_EXHAUSTED, 1 ms deadlines, StreamPaper and pack cancels, health), then SIGTERM.
# Passes when every run has 0 memcheck errors and 0 bytes "definitely lost" and
# "indirectly lost" (memcheck's --errors-for-leak-kinds=definite,indirect: a leak
# of those kinds is an error). "Still reachable" blocks (gRPC's, protobuf's and
# Abseil's process-lifetime globals) and "possibly lost" ones (pointers into the
# middle of gRPC's arena and thread blocks) are reported in the logs but not
# counted. Suppressions: tests/valgrind.supp (each entry says why).
# Logs: BUILD_DIR/valgrind/*.log.
set -euo pipefail
cd "$(dirname "$0")/../.."
build=${1:-build}
out="$build/valgrind"
mkdir -p "$out"
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)"; exit 1; }
for b in panelpaper panelpaperd; do
  [ -x "$build/bin/$b" ] || { echo "$build/bin/$b missing: build first (bash .ci/build)"; exit 1; }
done

memcheck=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect,possible
          --errors-for-leak-kinds=definite,indirect --error-exitcode=99 --num-callers=40
          --suppressions=tests/valgrind.supp --gen-suppressions=all)
failed=0

# Prints the leak summary of one log and fails the run unless it is clean.
check_log() {
  local name=$1 log=$2 status=$3
  echo "== $name: exit $status"
  grep -E "ERROR SUMMARY|definitely lost:|indirectly lost:|possibly lost:|still reachable:|suppressed:" "$log" |
    sed 's/^==[0-9]*== /   /'
  if [ "$status" != 0 ] || ! grep -q "ERROR SUMMARY: 0 errors" "$log" ||
     grep -qE "(definitely|indirectly) lost: [1-9]" "$log"; then
    echo "   FAILED: see $log"
    failed=1
  fi
}

# 1. One render of the reference paper.
status=0
"${memcheck[@]}" --log-file="$out/render.log" "$build/bin/panelpaper" render \
  tests/testdata/requests/met-governance-2020-01-08.json -o "$out/reference.pdf" || status=$?
check_log "panelpaper render (reference paper)" "$out/render.log" "$status"

# 2. One agenda pack.
status=0
"${memcheck[@]}" --log-file="$out/pack.log" "$build/bin/panelpaper" pack \
  tests/testdata/packs/audit-panel-2020-01-08.json -o "$out/pack.pdf" || status=$?
check_log "panelpaper pack (pack fixture)" "$out/pack.log" "$status"

# 3. panelpaperd under memcheck, a 1,000-call session, SIGTERM.
"${memcheck[@]}" --log-file="$out/panelpaperd.log" "$build/bin/panelpaperd" \
  --listen=127.0.0.1:0 --shutdown_grace=120s 2> "$out/panelpaperd.stderr" &
server=$!
port=""
for _ in $(seq 1 600); do  # up to 60 s to start under valgrind
  port=$(sed -n 's/^panelpaperd: serving on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$out/panelpaperd.stderr" | head -1)
  [ -n "$port" ] && break
  kill -0 "$server" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "panelpaperd did not start:"; cat "$out/panelpaperd.stderr"; exit 1
fi
session=0
/usr/bin/python3 tests/valgrind/service_session.py --port "$port" --source-dir . \
  --work-dir "$out/session" --calls "${CALLS:-1000}" || session=$?
kill -TERM "$server"
status=0
wait "$server" || status=$?
[ "$session" = 0 ] || { echo "== the session itself failed (exit $session)"; failed=1; }
check_log "panelpaperd, ${CALLS:-1000}-call session" "$out/panelpaperd.log" "$status"

if [ "$failed" != 0 ]; then
  echo "memcheck: FAILED"
  exit 1
fi
echo "memcheck: clean (0 errors, 0 bytes definitely or indirectly lost)"
