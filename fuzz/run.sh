#!/usr/bin/env bash
# Runs every fuzz target for a bounded time, one after the other: `fuzz/run.sh [SECONDS]`
# (60 s each by default). Needs a nightly toolchain and `cargo install cargo-fuzz`.
# New interesting inputs go to fuzz/corpus/<target>/; crashes to fuzz/artifacts/<target>/.
# Keep each crash as a regression under tests/fuzz_regressions/<target>/ once it is fixed.
# FUZZ_FLAGS defaults to -O (optimised, no debug assertions); FUZZ_FLAGS=-a adds overflow and
# debug assertions, at the cost of a separate build of every dependency.
set -euo pipefail
seconds="${1:-60}"
cd "$(dirname "$0")"
status=0
for target in query_form sigv4_request policy state_document; do
    mkdir -p "corpus/$target"
    echo "== $target for ${seconds}s"
    cargo +nightly fuzz run ${FUZZ_FLAGS:--O} "$target" "corpus/$target" "seeds/$target" -- \
        -max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
        || status=1
done
exit "$status"
