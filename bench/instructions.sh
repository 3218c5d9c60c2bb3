#!/usr/bin/env bash
# Instructions per request: the server under valgrind's callgrind, loaded by the load
# generator, with counting switched on for SECONDS once the load runs. Unlike time, the count
# does not move with the machine's phases (a second run of the same binary agrees within
# 0.1 %), so it shows changes of a few percent that pairs cannot (BENCHMARKS.md, item 62).
# Under valgrind SHA-256 runs in software (no SHA extensions), so SigV4's share is overstated;
# and the server is slow, so write batches grow: compare binaries with each other, not with
# real time. Needs valgrind and curl. The profile stays in OUT for callgrind_annotate.
#
#   bench/instructions.sh get-caller-identity                 # target/release/iamlocal
#   BIN=old/iamlocal bench/instructions.sh create-user 16 8
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -lt 1 ]]; then
    echo "usage: bench/instructions.sh SCENARIO [CLIENTS [SECONDS]]" >&2
    exit 2
fi
SCENARIO=$1 CLIENTS=${2:-16} SECONDS_COUNTED=${3:-8}
BIN=${BIN:-target/release/iamlocal}
LOADGEN=${LOADGEN:-target/release/examples/loadgen}
PORT=${PORT:-4654}
OUT=${OUT:-callgrind.out}
LOG=$(mktemp)
PIDS=()

# The load generator first: the server's graceful stop waits for open connections.
cleanup() {
    for ((i = ${#PIDS[@]} - 1; i >= 0; i--)); do
        pid=${PIDS[$i]}
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -f "$LOG"
}
trap cleanup EXIT

# Answered requests so far, from the server's own metrics.
answered() {
    curl -sf "http://127.0.0.1:$PORT/metrics" |
        awk '/^iamlocal_request_duration_seconds_count/ { print $2 }'
}

IAMLOCAL_LOG=warn valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT" \
    "$BIN" serve --listen "127.0.0.1:$PORT" >"$LOG" 2>&1 &
server=$!
PIDS+=("$server")
"$LOADGEN" probe --endpoint "http://127.0.0.1:$PORT" --since-ns "$(date +%s%N)" \
    --timeout-ms 60000 >/dev/null
"$LOADGEN" run "$SCENARIO" --endpoint "http://127.0.0.1:$PORT" --clients "$CLIENTS" \
    --duration $((SECONDS_COUNTED + 30)) --warmup 1 --server-pid "$server" --users 0 \
    >/dev/null 2>&1 &
PIDS+=($!)
sleep 4 # the load generator's set-up and warm-up
callgrind_control --instr=on "$server" >/dev/null 2>&1
before=$(answered)
sleep "$SECONDS_COUNTED"
after=$(answered)
callgrind_control --instr=off "$server" >/dev/null 2>&1
cleanup
PIDS=()

requests=$((${after%.*} - ${before%.*}))
instructions=$(callgrind_annotate "$OUT" | awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
echo "$SCENARIO, $CLIENTS clients: $requests requests counted, $((instructions / requests)) instructions per request"
