#!/usr/bin/env bash
# Start-up to the first answered request and idle RSS, as bench/run.sh measures them, but
# RUNS times over (20) with the median: one start-up is a few milliseconds and noisy.
#
#   bench/startup.sh                      # the release binaries as built
#   BIN=other/iamlocal bench/startup.sh --db /tmp/x.db
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-4651}
RUNS=${RUNS:-20}
BIN=${BIN:-target/release/iamlocal}
LOADGEN=${LOADGEN:-target/release/examples/loadgen}
LOG=$(mktemp)
trap 'rm -f "$LOG"' EXIT

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

startups=() rss=()
for _ in $(seq "$RUNS"); do
    t0=$(date +%s%N)
    IAMLOCAL_LOG=warn "$BIN" serve --listen "127.0.0.1:${PORT}" "$@" >>"$LOG" 2>&1 &
    pid=$!
    startups+=("$("$LOADGEN" probe --endpoint "http://127.0.0.1:${PORT}" --since-ns "$t0")")
    sleep 0.3
    rss+=("$(awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$pid/status")")
    kill -TERM "$pid"
    wait "$pid" || true
done
echo "start-up ms: ${startups[*]}"
echo "idle RSS MiB: ${rss[*]}"
echo "median start-up $(printf '%s\n' "${startups[@]}" | median) ms, median idle RSS $(printf '%s\n' "${rss[@]}" | median) MiB"
