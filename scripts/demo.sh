#!/usr/bin/env bash
# escrowd's demo: reproduce the concurrency bug, diagnose it from the traces,
# fix it, verify. Runs on the real monero-wallet-rpc; ends by itself and
# leaves no process behind. Everything it writes goes under one directory.
#
#   DEMO_OUT      where to write (default ./demo-out/<timestamp>)
#   DEMO_QUICK=1  shortened run (used by the test suite): 2 racing escrows, no 10-escrow run
#   OTEL_EXPORTER_OTLP_ENDPOINT  also send traces there; by default a local
#                 Jaeger (make jaeger) is used when it answers on 127.0.0.1.
#   DEMO_JAEGER=0 never send traces to a Jaeger (files only)
#   BIN           where escrowd and escrowtrace are (default ./bin)
set -euo pipefail
cd "$(dirname "$0")/.."

BIN=${BIN:-bin}
OUT=${DEMO_OUT:-demo-out/$(date +%Y%m%d-%H%M%S)}
QUICK=${DEMO_QUICK:-0}
RACERS=3
[ "$QUICK" = 1 ] && RACERS=2
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

bold() { if [ -t 1 ] && [ -z "${NO_COLOR:-}" ]; then printf '\033[1m%s\033[0m\n' "$*"; else printf '%s\n' "$*"; fi; }
step() { echo; bold "== $*"; }

pid=""
cleanup() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
trap cleanup EXIT INT TERM

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1]); s.close()' 2>/dev/null || echo $((20000 + RANDOM % 20000)); }

# Jaeger: used when one answers locally, or when the caller set an endpoint.
JAEGER_UI=""
if [ "${DEMO_JAEGER:-1}" = 0 ]; then
  unset OTEL_EXPORTER_OTLP_ENDPOINT OTEL_EXPORTER_OTLP_TRACES_ENDPOINT
elif [ -z "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ] && curl -fsS -m 1 http://127.0.0.1:13133/status >/dev/null 2>&1; then
  export OTEL_EXPORTER_OTLP_ENDPOINT=http://127.0.0.1:4317
fi
if [ -n "${OTEL_EXPORTER_OTLP_ENDPOINT:-}" ]; then
  JAEGER_UI=${JAEGER_UI_URL:-http://127.0.0.1:16686}
fi

# start_escrowd NAME ARGS...: runs escrowd with instrumentation on, its data
# and traces under $OUT/NAME, and waits until its pool is ready.
start_escrowd() {
  local name=$1; shift
  PORT=$(free_port)
  API=http://127.0.0.1:$PORT
  mkdir -p "$OUT/$name"
  # --offline: the demo only sets escrows up, no chain (no monerod) is needed.
  ENABLE_INSTRUMENTATION=1 "$BIN/escrowd" --listen "127.0.0.1:$PORT" --offline \
    --data-dir "$OUT/$name/data" --traces-dir "$OUT/$name/traces" "$@" \
    >"$OUT/$name/escrowd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 600); do
    if curl -fsS -m 1 "$API/readyz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "escrowd exited; its log:" >&2; cat "$OUT/$name/escrowd.log" >&2; exit 1; fi
    sleep 0.1 # waiting for a process to come up, not a fix
  done
  echo "escrowd did not become ready; see $OUT/$name/escrowd.log" >&2; exit 1
}

stop_escrowd() { cleanup; pid=""; }

# fire N: the seed's curl loop, N concurrent escrows, each waiting for its result.
fire() {
  local n=$1 dir=$2
  mkdir -p "$dir"
  local pids=()
  for i in $(seq 1 "$n"); do
    curl -sS -m 600 -X POST "$API/api/escrow/init?wait=10m" -H 'Content-Type: application/json' \
      -d "{\"buyer_id\":\"buyer$i\",\"vendor_id\":\"vendor$i\",\"amount\":1000000000000}" >"$dir/$i.json" &
    pids+=($!)
  done
  wait "${pids[@]}" || true
  for i in $(seq 1 "$n"); do
    jq -r '"  escrow \(.escrow_id)  \(.status)\(if .error then "  error: " + .error else "" end)"' "$dir/$i.json"
  done
}

count() { jq -s "[.[] | select(.status == \"$2\")] | length" "$1"/*.json; }
first_with() { jq -rs "[.[] | select(.status == \"$2\")][0].escrow_id // empty" "$1"/*.json; }
# The failed escrow to diagnose: the seed's symptom ("already multisig") when there is one.
pick_failed() {
  jq -rs '[.[] | select(.status == "failed")] | (map(select(.error | test("already multisig"))) + .)[0].escrow_id // empty' "$1"/*.json
}
# summary NAME DIR: escrows, failures and the median setup time over a run's trace files.
summary() {
  jq -rs --arg name "$1" '
    (map(.duration_ms) | sort) as $d
    | [length, (map(select(.outcome == "failed")) | length), (map(select(.outcome == "success")) | length),
       (if ($d | length) > 0 then $d[(($d | length) - 1) / 2 | floor] / 1000 else 0 end)]
    | "  \($name | . + "          " | .[0:10]) \(.[0]) escrows   \(.[2]) ready   \(.[1]) failed   median duration \(.[3] * 10 | round / 10) s (queueing for servers included)"' "$2"/escrow_*.json
}

T0=$(date +%s)
bold "escrowd demo: writing everything under $OUT"

step "1. Reproduce: $RACERS concurrent escrows on ONE shared wallet server (mode=shared, the original bug)"
echo "   A barrier lines the escrows up at every step, so that each opens its wallet and then"
echo "   sends its call, which the single server runs on whichever wallet was opened last:"
echo "   the race happens every time, not by luck."
start_escrowd shared --mode shared --pool-size 1 --shared-barrier "$RACERS"
fire "$RACERS" "$OUT/shared/responses"
stop_escrowd
failed=$(count "$OUT/shared/responses" failed)
echo "   $failed of $RACERS escrows failed."
[ "$failed" -ge 1 ] || { echo "the race did not show; see $OUT/shared/escrowd.log" >&2; exit 1; }

bad=$(pick_failed "$OUT/shared/responses")
step "2. Diagnose: the failed escrow's trace (escrow_$bad.json)"
echo "   escrowtrace analyze: its RPC calls, the state of the three wallets at the seven snapshot"
echo "   points, and the anomaly with its likely cause and the evidence for it in the trace."
"$BIN/escrowtrace" analyze "$OUT/shared/traces/escrow_$bad.json" || true
"$BIN/escrowtrace" html "$OUT/shared/traces/escrow_$bad.json" -o "$OUT/escrow_failed.html" || true

step "3. Fix: restart in the default leased mode (one wallet server per role per escrow) and run the same $RACERS"
start_escrowd leased --mode leased --pool-size 9
fire "$RACERS" "$OUT/leased/responses"
ok=$(count "$OUT/leased/responses" ready)
echo "   $ok of $RACERS escrows ready."
[ "$ok" -eq "$RACERS" ] || { echo "leased mode failed an escrow; see $OUT/leased/escrowd.log" >&2; exit 1; }
if [ "$QUICK" != 1 ]; then
  echo "   ... and 10 at once (the pool serves three escrows at a time, the rest queue):"
  fire 10 "$OUT/leased/responses10"
  ok10=$(count "$OUT/leased/responses10" ready)
  echo "   $ok10 of 10 escrows ready."
  [ "$ok10" -eq 10 ] || { echo "leased mode failed an escrow; see $OUT/leased/escrowd.log" >&2; exit 1; }
fi
stop_escrowd

good=$(first_with "$OUT/leased/responses" ready)
step "4. Compare: the failed escrow against a good one, down to the first divergent event"
echo "   Steps are aligned in the setup's order (step, then role), so the roles' interleaving is no divergence."
"$BIN/escrowtrace" diff "$OUT/shared/traces/escrow_$bad.json" "$OUT/leased/traces/escrow_$good.json" | head -n 40 || true
echo "   (the whole aligned diff: escrowtrace diff A B; as a page: $OUT/diff.html)"
"$BIN/escrowtrace" diff --html -o "$OUT/diff.html" "$OUT/shared/traces/escrow_$bad.json" "$OUT/leased/traces/escrow_$good.json" || true

step "5. Verify: before (shared) and after (leased), over all trace files"
echo "-- before (shared):"
"$BIN/escrowtrace" stats "$OUT/shared/traces" || true
echo "-- after (leased):"
"$BIN/escrowtrace" stats "$OUT/leased/traces" || true
echo
bold "Before and after"
summary "shared" "$OUT/shared/traces"
summary "leased" "$OUT/leased/traces"

if [ -n "$JAEGER_UI" ]; then
  step "Traces in Jaeger (the trace ID is the escrow ID without dashes)"
  for id in "$bad" "$good"; do
    tid=${id//-/}
    echo "   escrow $id:"
    echo "     UI  $JAEGER_UI/trace/$tid   (the Docker image's UI; a module-built Jaeger serves the API only)"
    echo "     API $JAEGER_UI/api/traces/$tid"
  done
fi

step "Pages"
echo "   the failed escrow:  file://$OUT/escrow_failed.html"
echo "   the diff:           file://$OUT/diff.html"
echo "   (escrowd serves the same pages live under /ui/ while it runs)"

echo
bold "Done in $(( $(date +%s) - T0 )) s. Files: $OUT (trace files in */traces, daemon logs in */escrowd.log)."
