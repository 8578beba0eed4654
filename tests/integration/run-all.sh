#!/usr/bin/env bash
# Run every integration test (or the ones named on the command line), print PASS/FAIL per test
# with its time, keep each test's output in a log directory, and exit non-zero if any failed.
#   bash tests/integration/run-all.sh [TOPIC...]     e.g. run-all.sh sizes errno
# Environment: KVBOS_BIN (default <repo>/build/bin), KVBOS_LOG_DIR (default a new temp dir),
# KVBOS_SKIP="usr-include ..." to leave tests out.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
export KVBOS_BIN=${KVBOS_BIN:-$(cd "$here/../.." && pwd)/build/bin}
logdir=${KVBOS_LOG_DIR:-$(mktemp -d "${TMPDIR:-/tmp}/kvbos-integration-logs.XXXXXX")}
mkdir -p "$logdir"

if [ $# -gt 0 ]; then
  topics=("$@")
else
  topics=()
  for f in "$here"/*.sh; do
    t=$(basename "$f" .sh)
    case $t in lib | run-all) continue ;; esac
    topics+=("$t")
  done
fi

passed=0 failed=0 skipped=0 failures=()
for t in "${topics[@]}"; do
  if [[ " ${KVBOS_SKIP:-} " == *" $t "* ]]; then
    printf 'SKIP  %s\n' "$t"; skipped=$((skipped + 1)); continue
  fi
  [ -f "$here/$t.sh" ] || { printf 'FAIL  %s (no such test)\n' "$t"; failed=$((failed + 1)); failures+=("$t"); continue; }
  start=$(date +%s)
  bash "$here/$t.sh" >"$logdir/$t.log" 2>&1 </dev/null
  rc=$?
  secs=$(( $(date +%s) - start ))
  if [ $rc -eq 0 ]; then
    printf 'PASS  %-14s %4d s\n' "$t" "$secs"; passed=$((passed + 1))
  else
    printf 'FAIL  %-14s %4d s  (exit %d; log: %s)\n' "$t" "$secs" "$rc" "$logdir/$t.log"
    grep -m 3 -e 'FAIL:' "$logdir/$t.log" | sed 's/^/        /'
    failed=$((failed + 1)); failures+=("$t")
  fi
done

echo "logs: $logdir"
[ $failed -eq 0 ] || echo "failed: ${failures[*]}"
echo "integration: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
