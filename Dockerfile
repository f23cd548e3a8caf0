# syntax=docker/dockerfile:1
#
# escrowd in a container: the daemon, the trace analyzer (escrowtrace) and Debian's monero package
# (monero-wallet-rpc 0.18, which escrowd starts as its own wallet servers).
#
# Inside the container escrowd listens on 0.0.0.0:8080 so that a published port can reach it. The
# daemon refuses a non-loopback listen address without an API token, so ESCROWD_API_TOKEN must be
# set at run time (docker-compose.yml requires it):
#
#   docker build -t escrowd .
#   docker run --rm -e ESCROWD_API_TOKEN="$(openssl rand -hex 32)" -p 127.0.0.1:8080:8080 escrowd
#
# Data (the escrow store, wallet files, the master secret) lives in the /data volume, trace files
# (escrow_<id>.json, with ENABLE_INSTRUMENTATION=1) in /traces. Both belong to the non-root user
# escrowd (uid 10001). Fetch traces with `docker compose cp escrowd:/traces ./traces`.

ARG GO_IMAGE=golang:1.26-bookworm
ARG RUNTIME_IMAGE=debian:bookworm-slim

FROM ${GO_IMAGE} AS build
ARG VERSION=dev
WORKDIR /src
# Modules first: the download layer is reused as long as go.mod/go.sum do not change.
COPY go.mod go.sum ./
RUN --mount=type=cache,target=/go/pkg/mod go mod download
COPY . .
# Static, pure-Go binaries (the SQLite driver is modernc.org/sqlite): the runtime image needs no
# Go toolchain and no libc match. -buildvcs=false because .git is not in the build context.
RUN --mount=type=cache,target=/go/pkg/mod --mount=type=cache,target=/root/.cache/go-build \
    CGO_ENABLED=0 GOTOOLCHAIN=local go build -trimpath -buildvcs=false \
      -ldflags "-s -w -X main.version=${VERSION}" \
      -o /out/ ./cmd/escrowd ./cmd/escrowtrace

FROM ${RUNTIME_IMAGE} AS runtime
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends monero ca-certificates \
 && rm -rf /var/lib/apt/lists/*
# A fixed uid so that volume ownership is stable across rebuilds. /data is 0700: it holds the
# wallet files and the master secret the wallet passwords are derived from.
RUN useradd --system --uid 10001 --user-group --home-dir /data --shell /usr/sbin/nologin escrowd \
 && mkdir -p /data /traces \
 && chown escrowd:escrowd /data /traces \
 && chmod 0700 /data
COPY --from=build /out/escrowd /out/escrowtrace /usr/local/bin/

ENV ESCROWD_LISTEN=0.0.0.0:8080 \
    ESCROWD_DATA_DIR=/data \
    ESCROWD_TRACES_DIR=/traces
VOLUME ["/data", "/traces"]
EXPOSE 8080
USER escrowd
WORKDIR /data
# escrowd handles SIGTERM (finishes or marks running escrows, flushes traces, stops its wallet
# servers); give it time with `docker stop -t` / compose `stop_grace_period`.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/usr/local/bin/escrowd"]
