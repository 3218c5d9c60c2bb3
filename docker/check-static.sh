#!/usr/bin/env bash
# What CI can check of the container image without a Docker engine: the release binary,
# built with the Dockerfile's flags, is statically linked and serves signed requests from an
# empty root directory (no libc, no /etc, no certificates), as it will in a scratch image.
#
# Needs root (for chroot and mknod) and curl ≥ 7.75 (its --aws-sigv4 signs the test
# requests).
set -euo pipefail
cd "$(dirname "$0")/.."

target_dir="${IAMLOCAL_STATIC_TARGET_DIR:-target/static}"
triple="$(rustc -vV | sed -n 's/^host: //p')"
bin="$target_dir/$triple/release/iamlocal"

echo "== building the static release binary ($triple)"
# The Dockerfile's flags; `--target` keeps them off build scripts and proc macros.
RUSTFLAGS='-C target-feature=+crt-static --cfg getrandom_backend="linux_getrandom"' \
    cargo build --release --locked --target "$triple" --target-dir "$target_dir"

echo "== checking it is static"
file "$bin"
file "$bin" | grep -Eq 'statically linked|static-pie linked' || {
    echo "not statically linked" >&2
    exit 1
}
if ldd "$bin" 2>&1 | grep -q '=>'; then
    echo "ldd lists shared libraries:" >&2
    ldd "$bin" >&2
    exit 1
fi
echo "size: $(stat -c %s "$bin") bytes ($(du -h "$bin" | cut -f1))"

root="$(mktemp -d)"
server=""
cleanup() {
    if [ -n "$server" ]; then kill "$server" 2>/dev/null || true; fi
    rm -rf "$root"
}
trap cleanup EXIT
cp "$bin" "$root/iamlocal"
mkdir "$root/data"
in_root() { chroot "$root" "$@"; }

echo "== serving from an empty root: $(cd "$root" && find . -mindepth 1 | tr '\n' ' ')"
log="$target_dir/check-static-server.log"
# chroot itself, not the in_root function: a function would run in a subshell whose PID is
# what `$!` names, and killing that would leave the server running.
chroot "$root" /iamlocal serve --listen 127.0.0.1:0 --db /data/iamlocal.db --log-format json \
    >"$log" 2>&1 &
server=$!

endpoint=""
for _ in $(seq 100); do
    endpoint="$(sed -n 's/.*"endpoint":"\(http:[^"]*\)".*/\1/p' "$log" | head -n1)"
    [ -n "$endpoint" ] && break
    kill -0 "$server" 2>/dev/null || break
    sleep 0.1
done
[ -n "$endpoint" ] || {
    echo "the server did not start:" >&2
    cat "$log" >&2
    exit 1
}
echo "listening on $endpoint"

healthy=""
for _ in $(seq 50); do
    if in_root /iamlocal healthcheck --endpoint "$endpoint"; then
        healthy=yes
        break
    fi
    sleep 0.2
done
[ -n "$healthy" ] || {
    echo "the healthcheck never passed" >&2
    exit 1
}
echo "healthcheck (run inside the empty root) passed"

sts() {
    curl -sS --aws-sigv4 "aws:amz:us-east-1:sts" --user "$1" \
        -H 'Content-Type: application/x-www-form-urlencoded' \
        --data 'Action=GetCallerIdentity&Version=2011-06-15' "$endpoint/"
}
answer="$(sts test:test)"
echo "$answer" | grep -q '<Arn>arn:aws:iam::000000000000:root</Arn>' || {
    echo "GetCallerIdentity signed with test/test failed: $answer" >&2
    exit 1
}
echo "signed GetCallerIdentity: OK"
answer="$(sts test:wrong)"
echo "$answer" | grep -q '<Code>SignatureDoesNotMatch</Code>' || {
    echo "a wrong secret was not refused: $answer" >&2
    exit 1
}
echo "wrongly signed GetCallerIdentity: SignatureDoesNotMatch, as it should"

kill "$server"
wait "$server" || true
server=""
[ -s "$root/data/iamlocal.db" ] || {
    echo "the database file was not written" >&2
    exit 1
}
echo "database file written: $(stat -c %s "$root/data/iamlocal.db") bytes"
echo "== static binary checks passed"
