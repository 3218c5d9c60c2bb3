#!/usr/bin/env bash
# Writes bench/symbol-order.txt: the functions of the release binary that run at start-up
# and on the common requests, for LLD's --symbol-ordering-file (build.rs passes it when
# linking iamlocal in release). Packed together at the start of `.text`, the code an idle
# server has touched is contiguous, so the kernel's fault-around (64 KiB around each page
# fault) maps little code that never ran: idle RSS is mostly code (BENCHMARKS.md item 26).
#
# Two runs under callgrind, each function listed by its linker (mangled) name:
#   1. start-up and one signed GetCallerIdentity (what `bench/startup.sh` measures);
#   2. the same, then a second of each `loadgen run` scenario at one client.
# The file lists run 1's functions first, then run 2's others, each part by self cost
# (instructions), highest first.
#
# Cargo builds two different host binaries: with `--example loadgen` (bench/run.sh's
# build) the dev-dependencies take part in feature unification, so the crates get other
# `-C metadata` and every symbol hash differs from `cargo build --release`'s (and `cargo
# run --release`'s). The list holds the names of both (BIN names several binaries):
#
#   cargo build --release --bin iamlocal && cp target/release/iamlocal target/iamlocal-plain
#   cargo build --release --bin iamlocal --example loadgen
#   BIN="target/release/iamlocal target/iamlocal-plain" bench/symbol-order.sh
#
# The static build (docker/check-static.sh, the Dockerfile) gets other symbol hashes from
# cargo, so it has a list of its own, made from its binary:
#   docker/check-static.sh && BIN=target/static/x86_64-unknown-linux-gnu/release/iamlocal \
#       OUT=bench/symbol-order-static.txt bench/symbol-order.sh
#
# Rebuild afterwards: the ordering applies at the next link. The linker skips names the
# binary lacks, so a list stays good across code changes (a symbol's hash comes from its
# path, its generic arguments and its crate, not from its body), but not across a change
# of dependencies: cargo then gives the crates other `-C metadata`, and every hash of
# iamlocal's own functions changes with it. Regenerate after `Cargo.lock` changes.
set -euo pipefail
cd "$(dirname "$0")/.."

PORT=${PORT:-4661}
BIN=${BIN:-target/release/iamlocal}
LOADGEN=${LOADGEN:-target/release/examples/loadgen}
OUT=${OUT:-bench/symbol-order.txt}
endpoint="http://127.0.0.1:${PORT}"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Self cost per function of binary $2 in callgrind output file $1: "cost name" lines, only
# names of the binary's symbols ($3, from nm: callgrind also names code between symbols
# "0x…"). Callgrind compresses names ("fn=(7) name" once, "fn=(7)" after) and writes each
# call's inclusive cost on the line after "calls=", which is not the caller's own.
functions() {
    awk -v bin="$(realpath "$2")" '
        function name(kind, s,   id) {
            if (match(s, /^\([0-9]+\)/)) {
                id = substr(s, 2, RLENGTH - 2)
                s = substr(s, RLENGTH + 1)
                sub(/^ /, "", s)
                if (s != "") names[kind, id] = s
                return names[kind, id]
            }
            return s
        }
        /^ob=/  { ob = name("ob", substr($0, 4)); next }
        /^cob=/ { cob = name("ob", substr($0, 5)); next }
        /^fn=/  { fn = name("fn", substr($0, 4)); cur = (ob == bin) ? fn : ""; next }
        /^cfn=/ { c = name("fn", substr($0, 5)); if (cob == bin || (cob == "" && ob == bin)) seen[c] = 1; cob = ""; next }
        /^calls=/ { skip = 1; next }
        /^[0-9+*-]/ {
            if (skip) { skip = 0; next }
            if (cur != "") { cost[cur] += $2; seen[cur] = 1 }
            next
        }
        END {
            # callgrind names a recursion level "name", quote, level: one function.
            for (f in seen) { g = f; sub("\047[0-9]+$", "", g); total[g] += cost[f] }
            for (g in total) print total[g], g
        }
    ' "$1" | sort -k1,1nr -k2 | awk 'NR == FNR { sym[$0] = 1; next } $2 in sym' "$3" - |
        awk '{ print $2 }'
}

# Runs binary $2 under callgrind into file $1, waits for its first answer, runs the
# scenarios that follow (if any), stops it.
profile() {
    local out=$1 bin=$2
    shift 2
    IAMLOCAL_LOG=warn valgrind --tool=callgrind --demangle=no --callgrind-out-file="$out" \
        "$bin" serve --listen "127.0.0.1:${PORT}" >"$work/server.log" 2>&1 &
    local pid=$!
    "$LOADGEN" probe --endpoint "$endpoint" --since-ns "$(date +%s%N)" --timeout-ms 120000 >/dev/null
    for scenario in "$@"; do
        "$LOADGEN" run "$scenario" --endpoint "$endpoint" --clients 1 --warmup 0 --duration 1 \
            --users 20 >/dev/null
    done
    kill -TERM "$pid"
    wait "$pid" || true
    [ -s "$out" ] || {
        cat "$work/server.log" >&2
        exit 1
    }
}

n=0
for bin in $BIN; do
    n=$((n + 1))
    echo "== $bin: start-up and one request, then the common requests" >&2
    nm "$bin" | awk '{ print $NF }' | sort -u >"$work/nm.txt"
    profile "$work/idle.out" "$bin"
    profile "$work/requests.out" "$bin" get-caller-identity get-user create-user assume-role list-users
    functions "$work/idle.out" "$bin" "$work/nm.txt" >"$work/idle.$n.txt"
    functions "$work/requests.out" "$bin" "$work/nm.txt" >"$work/requests.$n.txt"
    echo "$(wc -l <"$work/idle.$n.txt") functions at start-up and the first request," \
        "$(wc -l <"$work/requests.$n.txt") with the requests" >&2
done
# Every binary's start-up functions first, then the requests' others; each name once.
cat "$work"/idle.*.txt "$work"/requests.*.txt | awk '!seen[$0]++' >"$OUT"
echo "$(wc -l <"$OUT") names written to $OUT" >&2
