#!/usr/bin/env bash
# Issue 9's load benchmarks, one run: builds release, starts iamlocal on a loopback port for
# each scenario (a fresh server each time, stopped by its PID), drives it with
# examples/loadgen.rs at each client count, measures the bare-axum ceiling with the same
# client right before each measurement (this machine's speed drifts within a run, so each
# ratio is to the ceiling of that moment), start-up to the first answered request and
# resident memory, and prints one table.
#
#   bench/run.sh                       # everything, about 10 minutes on 2 cores
#   DURATION=3 BIG=10000 bench/run.sh  # a quick look
#   nice -n -15 bench/run.sh           # as root, on a machine others are busy on
#
# Settings (environment): PORT (4650), DURATION seconds per measurement (10), WARMUP (1),
# CLIENTS ("16 64"), SMALL users for ListUsers (1000), BIG users for the large state (100000;
# as many access keys, a tenth as many roles), SKIP_BUILD=1 to use the binaries as built.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-4650}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-1}
CLIENTS=${CLIENTS:-"16 64"}
SMALL=${SMALL:-1000}
BIG=${BIG:-100000}
ENDPOINT="http://127.0.0.1:${PORT}"

if [[ -z "${SKIP_BUILD:-}" ]]; then
    cargo build --release --bin iamlocal --example loadgen
fi
BIN=target/release/iamlocal
LOADGEN=target/release/examples/loadgen

WORK=$(mktemp -d)
RESULTS="$WORK/results.tsv" # label, clients, requests, req/s, p50, p99, errors, cpu/req
SERVERS="$WORK/servers.tsv" # label, start-up ms, idle RSS MiB, RSS MiB at the end
SERVER_PID=""
SERVER_LABEL=""
STARTUP_MS=""
IDLE_RSS=""
FAILED=0

cleanup() {
    local status=$?
    if [[ $status != 0 && -s "$WORK/server.log" ]]; then
        echo "bench/run.sh: failed; the server's log ends with:" >&2
        tail -n 20 "$WORK/server.log" >&2
    fi
    if [[ -n "$SERVER_PID" ]] && kill -0 "$SERVER_PID" 2>/dev/null; then
        kill -TERM "$SERVER_PID" 2>/dev/null || true
        wait "$SERVER_PID" 2>/dev/null || true
    fi
    rm -rf "$WORK"
}
trap cleanup EXIT

rss_mib() { awk '/^VmRSS:/ { printf "%.1f", $2 / 1024 }' "/proc/$1/status"; }
load_average() { cut -d' ' -f1-3 /proc/loadavg; }
LOAD_BEFORE=$(load_average)

# start_server LABEL [iamlocal flags…]: starts it and measures start-up to the first answered
# request (a signed GetCallerIdentity) and the resident memory once it is idle.
start_server() {
    SERVER_LABEL=$1
    shift
    local t0
    t0=$(date +%s%N)
    IAMLOCAL_LOG=warn "$BIN" serve --listen "127.0.0.1:${PORT}" "$@" >>"$WORK/server.log" 2>&1 &
    SERVER_PID=$!
    STARTUP_MS=$("$LOADGEN" probe --endpoint "$ENDPOINT" --since-ns "$t0" --timeout-ms 60000)
    sleep 0.5
    IDLE_RSS=$(rss_mib "$SERVER_PID")
}

# stop_server: records start-up, idle RSS and the RSS at the end, then stops it by its PID.
stop_server() {
    printf '%s\t%s\t%s\t%s\n' "$SERVER_LABEL" "$STARTUP_MS" "$IDLE_RSS" "$(rss_mib "$SERVER_PID")" >>"$SERVERS"
    kill -TERM "$SERVER_PID"
    wait "$SERVER_PID" || true
    SERVER_PID=""
}

# ceiling CLIENTS: the bare-axum ceiling at that client count, as a row of its own.
ceiling() {
    local out
    out=$("$LOADGEN" ceiling --clients "$1" --duration "$DURATION" --warmup "$WARMUP") || FAILED=1
    grep -v '^RESULT' <<<"$out" || true
    grep '^RESULT' <<<"$out" | cut -f3- | sed 's/^/ceiling\t/' >>"$RESULTS"
}

# measure LABEL SCENARIO: one measurement per client count, each right after a ceiling.
# ListUsers lists the users that are there (the script populates them first, the same way
# for every size).
measure() {
    local label=$1 scenario=$2
    local clients
    for clients in $CLIENTS; do
        ceiling "$clients"
        local out
        if ! out=$("$LOADGEN" run "$scenario" --endpoint "$ENDPOINT" --clients "$clients" \
            --duration "$DURATION" --warmup "$WARMUP" --server-pid "$SERVER_PID" --users 0); then
            FAILED=1
        fi
        grep -v '^RESULT' <<<"$out" || true
        grep '^RESULT' <<<"$out" | cut -f3- | sed "s/^/${label}\t/" >>"$RESULTS"
    done
}

for scenario in get-caller-identity get-user assume-role create-user; do
    echo "== $scenario (in memory)"
    start_server "$scenario, in memory"
    measure "$scenario" "$scenario"
    stop_server
done

echo "== create-user (--db FILE)"
start_server "create-user, file" --db "$WORK/create.db"
measure "create-user (file)" create-user
stop_server

echo "== list-users, $SMALL users"
start_server "list-users, $SMALL users, in memory"
"$LOADGEN" populate --endpoint "$ENDPOINT" --clients 16 --users "$SMALL"
measure "list-users ($SMALL users)" list-users
stop_server

echo "== list-users, $BIG users, $BIG keys, $((BIG / 10)) roles (in memory)"
start_server "$BIG users, $BIG keys, $((BIG / 10)) roles, in memory"
"$LOADGEN" populate --endpoint "$ENDPOINT" --clients 16 --users "$BIG" --keys-per-user 1 --roles $((BIG / 10))
sleep 1
POPULATED_RSS=$(rss_mib "$SERVER_PID")
measure "list-users ($BIG users)" list-users
stop_server

echo "== start-up on a file with $BIG users, $BIG keys, $((BIG / 10)) roles"
start_server "populating a file" --db "$WORK/big.db"
"$LOADGEN" populate --endpoint "$ENDPOINT" --clients 16 --users "$BIG" --keys-per-user 1 --roles $((BIG / 10))
stop_server
start_server "restart on the file with $BIG users, $BIG keys, $((BIG / 10)) roles" --db "$WORK/big.db"
stop_server

echo
echo "## $(date -u +%Y-%m-%dT%H:%MZ) — $(nproc) cores, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo
echo "iamlocal $(git rev-parse --short HEAD 2>/dev/null || echo '?'); load average before $LOAD_BEFORE, after $(load_average);"
echo "${DURATION} s measured per row after ${WARMUP} s of warm-up."
echo
echo "Each row's ceiling is the bare-axum ceiling measured just before it, with the same clients."
echo
echo "| scenario | clients | req/s | ceiling req/s | × ceiling | p50 µs | p99 µs | server CPU µs/req | errors |"
echo "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
awk -F'\t' '
    $1 == "ceiling" { ceiling = $4; next }
    {
        ratio = ceiling > 0 ? sprintf("%.2f", $4 / ceiling) : "-"
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $4, ceiling, ratio, $5, $6, $8, $7
    }' "$RESULTS"
echo
echo "| server | start-up to first answer, ms | idle RSS, MiB | RSS at the end, MiB |"
echo "| --- | ---: | ---: | ---: |"
awk -F'\t' '{ printf "| %s | %s | %s | %s |\n", $1, $2, $3, $4 }' "$SERVERS"
echo
echo "RSS with $BIG users, $BIG keys, $((BIG / 10)) roles in memory, after populating: $POPULATED_RSS MiB"
echo
awk -F'\t' -v n_small="$SMALL" -v n_big="$BIG" -v small="list-users ($SMALL users)" -v big="list-users ($BIG users)" '
    $1 == "ceiling" { ceiling = $4; next }
    $1 == small { s[$2] = $4; sc[$2] = $4 / ceiling }
    $1 == big { b[$2] = $4; bc[$2] = $4 / ceiling }
    END {
        for (c in b) if (c in s) {
            printf "ListUsers, %s users against %s, %s clients: %+.0f %% in req/s, %+.0f %% in × ceiling\n", n_big, n_small, c, 100 * (b[c] / s[c] - 1), 100 * (bc[c] / sc[c] - 1)
        }
    }' "$RESULTS"
echo

if [[ "$FAILED" != 0 ]]; then
    echo "bench/run.sh: some requests failed (see above)" >&2
    exit 1
fi
