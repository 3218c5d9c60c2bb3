# syntax=docker/dockerfile:1
#
# iamlocal in a scratch image: one statically linked binary, nothing else (no shell, no
# libc, no certificates; iamlocal needs none, not even /dev).
# `docker/check-static.sh` checks in CI that the same binary, built with the same flags,
# serves requests from an empty root directory.
#
#   docker build -t iamlocal .
#   docker run --rm -p 4599:4599 iamlocal
#
# Configuration is by IAMLOCAL_* environment variables (`docker run --rm iamlocal --help`).
# State lives in memory unless IAMLOCAL_DB names a file; to keep it, mount a volume on /data:
#   docker run -p 4599:4599 -v iamlocal-data:/data -e IAMLOCAL_DB=/data/iamlocal.db iamlocal
# A bootstrap file (users, roles, groups to create at start-up) is read from the documented
# path when IAMLOCAL_BOOTSTRAP names it:
#   -v ./docker/bootstrap.yaml:/etc/iamlocal/bootstrap.yaml:ro \
#   -e IAMLOCAL_BOOTSTRAP=/etc/iamlocal/bootstrap.yaml

FROM rust:1.95-slim-bookworm AS build
WORKDIR /src
COPY . .
# glibc linked statically (crt-static) for the host's own target. `--target` keeps the flag
# off build scripts and proc macros, which must stay dynamic.
# getrandom_backend: random bytes straight from the getrandom system call; a static glibc
# cannot look the wrapper up at run time, and the fallback would need /dev/urandom.
ENV RUSTFLAGS="-C target-feature=+crt-static --cfg getrandom_backend=\"linux_getrandom\""
RUN --mount=type=cache,target=/usr/local/cargo/registry \
    --mount=type=cache,target=/src/target \
    target="$(rustc -vV | sed -n 's/^host: //p')" \
    && cargo build --release --locked --target "$target" \
    && mkdir -p /out/data /out/tmp \
    && cp "target/$target/release/iamlocal" /out/iamlocal \
    && chown 65532:65532 /out/data \
    && chmod 1777 /out/tmp

FROM scratch
COPY --from=build /out/iamlocal /iamlocal
# /data for the optional database file, writable by the user below; /tmp for SQLite's
# temporary files.
COPY --from=build --chown=65532:65532 /out/data /data
COPY --from=build /out/tmp /tmp
# Not VOLUME: it would create an anonymous volume on every run, even with state in memory.
USER 65532:65532
ENV IAMLOCAL_LISTEN=0.0.0.0:4599
EXPOSE 4599
# The healthcheck reads IAMLOCAL_LISTEN and checks 0.0.0.0 on 127.0.0.1; no curl needed.
HEALTHCHECK --interval=5s --timeout=3s --start-period=2s --retries=3 \
    CMD ["/iamlocal", "healthcheck"]
ENTRYPOINT ["/iamlocal"]
CMD ["serve"]
LABEL org.opencontainers.image.title="iamlocal" \
      org.opencontainers.image.description="A local AWS IAM and STS: real SigV4, a real policy engine, credentials that expire." \
      org.opencontainers.image.licenses="Apache-2.0"
