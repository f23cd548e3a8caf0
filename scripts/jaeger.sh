#!/usr/bin/env bash
# Jaeger v2 for local runs and tests, built from the Go module pinned in deploy/jaeger/go.mod
# (no container needed) and configured by deploy/jaeger/config.yaml (everything on 127.0.0.1).
#
#   scripts/jaeger.sh build   build once into the cache; a no-op when the binary is newer than go.sum
#   scripts/jaeger.sh run     build if needed, then run in the foreground (make jaeger)
#   scripts/jaeger.sh start   build if needed, run in the background, return once GET /status is ready
#   scripts/jaeger.sh stop    SIGTERM the background Jaeger and wait for it to exit
#   scripts/jaeger.sh status  say whether the background Jaeger runs
#   scripts/jaeger.sh path    print the binary's path (built or not)
#
# Environment: ESCROWD_CACHE (default ~/.cache/escrowd) holds the binary; JAEGER_RUN_DIR (default
# $ESCROWD_CACHE/jaeger-run) holds jaeger.pid and jaeger.log of start/stop; JAEGER_CONFIG replaces
# the config file; the JAEGER_* addresses documented in config.yaml move the ports.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
moddir="$root/deploy/jaeger"
cache="${ESCROWD_CACHE:-$HOME/.cache/escrowd}"
config="${JAEGER_CONFIG:-$moddir/config.yaml}"
rundir="${JAEGER_RUN_DIR:-$cache/jaeger-run}"
health="${JAEGER_HEALTH:-127.0.0.1:13133}"

die() { echo "jaeger.sh: $*" >&2; exit 1; }

# The version comes from deploy/jaeger/go.mod, so bumping the pin there names a new binary and
# the old one is never mistaken for it.
version() {
  local v
  v="$(awk '$1 == "github.com/jaegertracing/jaeger" && $2 ~ /^v/ { print $2; exit }' "$moddir/go.mod")"
  [ -n "$v" ] || die "no github.com/jaegertracing/jaeger requirement in $moddir/go.mod"
  echo "$v"
}

bin_path() { echo "$cache/jaeger-$(version)"; }

build() {
  local bin
  bin="$(bin_path)"
  if [ -x "$bin" ] && [ "$bin" -nt "$moddir/go.sum" ]; then
    return 0
  fi
  mkdir -p "$cache"
  # A cold build takes ~6 min and 2.3 GB of RAM: never run two at once (parallel test packages
  # may all ask for it). Whoever waited on the lock finds the binary done and returns.
  exec 9>"$cache/jaeger-build.lock"
  if ! flock -n 9; then
    echo "jaeger.sh: another build of $bin is running, waiting for it" >&2
    flock 9
  fi
  if [ -x "$bin" ] && [ "$bin" -nt "$moddir/go.sum" ]; then
    return 0
  fi
  echo "jaeger.sh: building $bin (cold: about 6 min)" >&2
  local tmp="$bin.tmp.$$"
  (cd "$moddir" && GOTOOLCHAIN=local go build -o "$tmp" github.com/jaegertracing/jaeger/cmd/jaeger) ||
    { rm -f "$tmp"; die "build failed"; }
  # Rename last, so a reader never sees a half-written binary.
  mv -f "$tmp" "$bin"
}

# ready succeeds when GET /status on the health endpoint answers 200.
ready() {
  if command -v curl >/dev/null 2>&1; then
    curl -fsS -o /dev/null --max-time 1 "http://$health/status" 2>/dev/null
    return
  fi
  local host="${health%:*}" port="${health##*:}" line
  exec 8<>"/dev/tcp/$host/$port" 2>/dev/null || return 1
  printf 'GET /status HTTP/1.0\r\nHost: %s\r\n\r\n' "$health" >&8
  IFS= read -r -t 1 line <&8 || line=""
  exec 8<&-
  [[ "$line" == HTTP/1.?" 200"* ]]
}

running_pid() {
  local pid
  [ -f "$rundir/jaeger.pid" ] || return 1
  pid="$(cat "$rundir/jaeger.pid")"
  [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null || return 1
  echo "$pid"
}

start() {
  local pid
  if pid="$(running_pid)"; then
    echo "jaeger.sh: already running (pid $pid)" >&2
    return 0
  fi
  build
  mkdir -p "$rundir"
  # setsid: the background Jaeger must not die with the terminal or the make job that started it.
  setsid "$(bin_path)" --config "$config" >"$rundir/jaeger.log" 2>&1 </dev/null &
  pid=$!
  echo "$pid" >"$rundir/jaeger.pid"
  # Ready in ~0.1 s when healthy; the deadline covers a loaded machine, not a normal start.
  local i
  for i in $(seq 1 200); do
    if ready; then
      echo "jaeger.sh: ready (pid $pid), UI/API http://${JAEGER_QUERY_HTTP:-127.0.0.1:16686}, OTLP gRPC ${JAEGER_OTLP_GRPC:-127.0.0.1:4317}" >&2
      return 0
    fi
    kill -0 "$pid" 2>/dev/null || { tail -n 20 "$rundir/jaeger.log" >&2; rm -f "$rundir/jaeger.pid"; die "jaeger exited during start-up"; }
    sleep 0.1
  done
  tail -n 20 "$rundir/jaeger.log" >&2
  kill -TERM "$pid" 2>/dev/null || true
  rm -f "$rundir/jaeger.pid"
  die "jaeger not ready on http://$health/status after 20 s"
}

stop() {
  local pid i
  if ! pid="$(running_pid)"; then
    rm -f "$rundir/jaeger.pid"
    echo "jaeger.sh: not running" >&2
    return 0
  fi
  kill -TERM "$pid"
  for i in $(seq 1 100); do
    kill -0 "$pid" 2>/dev/null || { rm -f "$rundir/jaeger.pid"; return 0; }
    sleep 0.1
  done
  die "pid $pid still running 10 s after SIGTERM"
}

case "${1:-}" in
  build) build ;;
  run) build; exec "$(bin_path)" --config "$config" ;;
  start) start ;;
  stop) stop ;;
  status) if pid="$(running_pid)"; then echo "running (pid $pid)"; else echo "not running"; exit 1; fi ;;
  path) bin_path ;;
  *) echo "usage: $0 build|run|start|stop|status|path" >&2; exit 2 ;;
esac
