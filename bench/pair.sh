#!/usr/bin/env bash
# Two builds of iamlocal compared under the same load at the same moment: both servers run
# side by side, each driven by its own load generator, so the machine's slow and fast
# phases (tens of seconds, up to 2x; see BENCHMARKS.md) fall on both alike. Runs taken one
# after the other, minutes apart, differ by more than most changes do. The figure to
# compare is each server's CPU per request; throughput is shared between the two and only
# says which one took more of the machine. Each round swaps the two servers' ports and the
# order they start in.
#
#   bench/pair.sh create-user 16 old/iamlocal target/release/iamlocal
#   ROUNDS=6 DURATION=5 bench/pair.sh assume-role 64 A B
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ $# -ne 4 ]]; then
    echo "usage: bench/pair.sh SCENARIO CLIENTS BIN_A BIN_B" >&2
    exit 2
fi
SCENARIO=$1 CLIENTS=$2 A=$3 B=$4
ROUNDS=${ROUNDS:-4}
DURATION=${DURATION:-5}
LOADGEN=${LOADGEN:-target/release/examples/loadgen}
PORTS=(4652 4653)
WORK=$(mktemp -d)
PIDS=()

cleanup() {
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    rm -rf "$WORK"
}
trap cleanup EXIT

# start BIN PORT: starts a server and waits for its first answer.
start() {
    IAMLOCAL_LOG=warn "$1" serve --listen "127.0.0.1:$2" >>"$WORK/server.log" 2>&1 &
    PIDS+=($!)
    "$LOADGEN" probe --endpoint "http://127.0.0.1:$2" --since-ns "$(date +%s%N)" >/dev/null
}

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf 'round\tA req/s\tA CPU µs/req\tB req/s\tB CPU µs/req\n'
for round in $(seq "$ROUNDS"); do
    if ((round % 2)); then order=(A B); else order=(B A); fi
    for label in "${order[@]}"; do
        if [[ $label == A ]]; then bin=$A; else bin=$B; fi
        start "$bin" "${PORTS[${#PIDS[@]}]}"
    done
    # Server i listens on PORTS[i]; its figures go to WORK/A or WORK/B.
    loads=()
    for i in 0 1; do
        "$LOADGEN" run "$SCENARIO" --endpoint "http://127.0.0.1:${PORTS[$i]}" \
            --clients "$CLIENTS" --duration "$DURATION" --warmup 1 --server-pid "${PIDS[$i]}" \
            --users 0 | grep '^RESULT' >"$WORK/${order[$i]}" &
        loads+=($!)
    done
    wait "${loads[@]}"
    for pid in "${PIDS[@]}"; do
        kill -TERM "$pid"
        wait "$pid" || true
    done
    PIDS=()
    # RESULT, scenario, clients, requests, req/s, p50, p99, errors, CPU µs/req
    a=$(cut -f5,9 "$WORK/A") b=$(cut -f5,9 "$WORK/B")
    printf '%s\t%s\t%s\n' "$round" "$a" "$b" | tee -a "$WORK/rounds"
done
printf 'median\t%s\t%s\t%s\t%s\n' \
    "$(cut -f2 "$WORK/rounds" | median)" "$(cut -f3 "$WORK/rounds" | median)" \
    "$(cut -f4 "$WORK/rounds" | median)" "$(cut -f5 "$WORK/rounds" | median)"
