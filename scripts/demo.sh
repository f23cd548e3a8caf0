#!/usr/bin/env bash
# escrowd's demo: reproduce the concurrency bug, diagnose it from the traces,
# fix it, verify; then the same story for the money path on escrowd's own
# regtest chain (fund, a naive payout that fails, its diagnosis, the fix, the
# payees' own wallet checked). Runs on the real monero-wallet-rpc and monerod;
# ends by itself and leaves no process behind. Everything it writes goes under
# one directory.
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
# step: a chapter's title; its start time goes to $OUT/chapters.log for the closing line.
step() { echo; bold "== $*"; echo "$(date +%s) ${*%%:*}" >>"$OUT/chapters.log"; }

pid=""
wpid=""
# stop_escrowd: SIGTERM (escrowd stops its wallet servers and monerod itself),
# SIGKILL after a bounded wait (its children die with it: parent-death signal).
stop_escrowd() {
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 600); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
  fi
  [ -n "$pid" ] && { wait "$pid" 2>/dev/null || true; }
  pid=""
}
# stop_payee_server: the demo's own wallet server; SIGKILL after a bounded
# wait, as 0.18 can hang in its own shutdown.
stop_payee_server() {
  if [ -n "$wpid" ] && kill -0 "$wpid" 2>/dev/null; then
    kill -TERM "$wpid" 2>/dev/null || true
    for _ in $(seq 1 100); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$wpid" 2>/dev/null || true
  fi
  [ -n "$wpid" ] && { wait "$wpid" 2>/dev/null || true; }
  wpid=""
}
cleanup() { stop_payee_server; stop_escrowd; }
trap cleanup EXIT
trap 'exit 130' INT TERM

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
# and traces under $OUT/NAME, and waits until its pool is ready. Offline (no
# chain) unless CHAIN=1: then escrowd runs its own monerod --regtest.
start_escrowd() {
  local name=$1; shift
  PORT=$(free_port)
  API=http://127.0.0.1:$PORT
  mkdir -p "$OUT/$name"
  local chain=(--offline) tries=600
  # CHAIN=1: the embedded regtest monerod starts first (more on a loaded machine).
  [ "${CHAIN:-0}" = 1 ] && { chain=(); tries=3000; }
  ENABLE_INSTRUMENTATION=1 "$BIN/escrowd" --listen "127.0.0.1:$PORT" "${chain[@]}" \
    --data-dir "$OUT/$name/data" --traces-dir "$OUT/$name/traces" "$@" \
    >>"$OUT/$name/escrowd.log" 2>&1 &
  pid=$!
  for _ in $(seq 1 "$tries"); do
    if curl -fsS -m 1 "$API/readyz" >/dev/null 2>&1; then return 0; fi
    if ! kill -0 "$pid" 2>/dev/null; then echo "escrowd exited; its log:" >&2; cat "$OUT/$name/escrowd.log" >&2; exit 1; fi
    sleep 0.1 # waiting for a process to come up, not a fix
  done
  echo "escrowd did not become ready; see $OUT/$name/escrowd.log" >&2; exit 1
}

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

# ---- the money path: escrowd's own regtest chain, the payees' own wallets ----

# start_payee_server ARGS...: the demo's own monero-wallet-rpc (not escrowd's)
# for the payees' wallets under $OUT/payees.
start_payee_server() {
  WPORT=$(free_port)
  mkdir -p "$OUT/payees"
  monero-wallet-rpc --rpc-bind-ip 127.0.0.1 --rpc-bind-port "$WPORT" --disable-rpc-login \
    --wallet-dir "$OUT/payees" --log-file "$OUT/payees/wallet-rpc.log" --non-interactive "$@" >/dev/null 2>&1 &
  wpid=$!
  for _ in $(seq 1 1200); do
    if wallet get_version >/dev/null 2>&1; then return 0; fi
    kill -0 "$wpid" 2>/dev/null || break
    sleep 0.1 # waiting for a process to come up, not a fix
  done
  echo "the payees' wallet server did not start; see $OUT/payees/wallet-rpc.log" >&2; exit 1
}
wallet() { # wallet METHOD [PARAMS-JSON]: one call on the payees' wallet server
  curl -fsS -m 300 "http://127.0.0.1:$WPORT/json_rpc" -H 'Content-Type: application/json' \
    -d "{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"method\":\"$1\",\"params\":${2:-{\}}}"
}
post() { # post PATH [BODY]: a call on escrowd's API; the answer on stdout, its HTTP code in $OUT/money/code
  curl -sS -m 900 -o - -w '%{stderr}%{http_code}' -X POST "$API$1" -H 'Content-Type: application/json' \
    -d "${2:-{\}}" 2>"$OUT/money/code"
}

AMOUNT=1500000000000 # 1.5 XMR in atomic units
# init_escrow NAME: a new escrow paying the payees' own addresses, waited until set up; prints its ID.
init_escrow() {
  post "/api/escrow/init?wait=10m" "{\"buyer_id\":\"buyer-$1\",\"vendor_id\":\"vendor-$1\",\"amount\":$AMOUNT,\"buyer_address\":\"$BUYER_ADDR\",\"vendor_address\":\"$VENDOR_ADDR\"}" >"$OUT/money/$1-init.json"
  jq -e '.status == "ready"' "$OUT/money/$1-init.json" >/dev/null || { echo "escrow $1 was not set up:" >&2; cat "$OUT/money/$1-init.json" >&2; exit 1; }
  jq -r .escrow_id "$OUT/money/$1-init.json"
}
# fund ID NAME: the dev faucet pays the escrow its amount and mines until it
# unlocks. While the faucet still mines its first coins (in the background
# from escrowd's start) the call answers 502: asked again until it can pay.
fund() {
  local deadline=$(( $(date +%s) + 900 )) told=""
  while :; do
    post "/api/escrow/$1/fund?wait=10m" >"$OUT/money/$2-fund.json"
    [ "$(cat "$OUT/money/code")" = 502 ] && [ "$(date +%s)" -lt "$deadline" ] || break
    [ -n "$told" ] || { echo "   (the faucet is still mining its first coins: asking again every 2 s)"; told=1; }
    sleep 2 # the faucet is still mining its first coins
  done
  jq -e '.status == "funded"' "$OUT/money/$2-fund.json" >/dev/null || { echo "escrow $1 was not funded:" >&2; cat "$OUT/money/$2-fund.json" >&2; exit 1; }
  jq -r '"   escrow \(.escrow_id)  \(.status)  balance \(.balance) (unlocked \(.unlocked_balance)) atomic units"' "$OUT/money/$2-fund.json"
}
# release ID NAME: buyer and vendor sign the payout to the vendor; waited until it ends.
release() {
  post "/api/escrow/$1/release?wait=10m" >"$OUT/money/$2-release.json"
  jq -r '"   escrow \(.escrow_id)  \(.status)" + (if .payout.tx_hash then "  paid \(.payout.amount) to the \(.payout.to_role), fee \(.payout.fee), tx \(.payout.tx_hash[0:16])..." else "" end) + (if .last_error then "\n   last_error: \(.last_error.phase) / \(.last_error.step) / \(.last_error.role): \(.last_error.message)" else "" end)' "$OUT/money/$2-release.json"
}
status_of() { jq -r .status "$OUT/money/$1-release.json"; }

step "6. The money path: fund an escrow and pay it out, on escrowd's own regtest chain"
echo "   Without --offline, escrowd runs monerod --regtest (loopback only) with a dev faucet, and its"
echo "   wallet servers use it. The buyer and the vendor have wallets of their own (the demo's, not escrowd's)."
mkdir -p "$OUT/money"
start_payee_server --offline
# A wallet created offline starts scanning at mainnet's estimated height (measured: 2661600), past
# every regtest block: each payee's wallet is restored from a fresh seed with restore height 0.
for r in buyer vendor; do
  wallet create_wallet "{\"filename\":\"seed-$r\",\"password\":\"\",\"language\":\"English\"}" >/dev/null
  seed=$(wallet query_key '{"key_type":"mnemonic"}' | jq -r .result.key)
  wallet close_wallet >/dev/null
  wallet restore_deterministic_wallet "{\"filename\":\"$r\",\"password\":\"\",\"seed\":\"$seed\",\"restore_height\":0,\"language\":\"English\"}" |
    jq -r .result.address >"$OUT/payees/$r.address"
  seed=""
  wallet close_wallet >/dev/null
done
stop_payee_server
BUYER_ADDR=$(cat "$OUT/payees/buyer.address")
VENDOR_ADDR=$(cat "$OUT/payees/vendor.address")
echo "   payee addresses: buyer ${BUYER_ADDR:0:12}...  vendor ${VENDOR_ADDR:0:12}..."
echo
bold "   First with --payout-mode naive: what failing marketplaces do (import right after open, no refresh)"
CHAIN=1 start_escrowd money --payout-mode naive --pool-size 3
naive=$(init_escrow naive)
fund "$naive" naive
release "$naive" naive
if [ "$(status_of naive)" != funded ]; then
  echo "the naive payout did not fail as it should (status $(status_of naive)); see $OUT/money/escrowd.log." >&2
  exit 1
fi
echo "   The payout failed and nothing was sent: the escrow is still funded, its money in the multisig wallet."
stop_escrowd
cp "$OUT/money/traces/escrow_$naive.json" "$OUT/money/naive_failed.json"

step "7. Diagnose the failed payout from its trace (the release phase of escrow_$naive.json)"
"$BIN/escrowtrace" analyze --phase release "$OUT/money/naive_failed.json" || true
"$BIN/escrowtrace" html "$OUT/money/naive_failed.json" -o "$OUT/payout_failed.html" || true

step "8. Fix: restart escrowd in the default payout mode on the same data (refresh, then import)"
CHAIN=1 start_escrowd money --pool-size 3
echo "   The escrow the naive payout left funded is paid out: its money was never lost."
release "$naive" naive-retry
[ "$(status_of naive-retry)" = released ] || { echo "the payout failed; see $OUT/money/escrowd.log" >&2; exit 1; }
echo "   ... and a fresh escrow, funded and released in the default mode:"
paid=$(init_escrow good)
fund "$paid" good
release "$paid" good
[ "$(status_of good)" = released ] || { echo "the payout failed; see $OUT/money/escrowd.log" >&2; exit 1; }

step "9. Verify: the failed payout against the good one, and the vendor's own wallet"
echo "   The release phases, down to the first divergent event:"
"$BIN/escrowtrace" diff --phase release "$OUT/money/naive_failed.json" "$OUT/money/traces/escrow_$paid.json" | head -n 30 || true
"$BIN/escrowtrace" diff --phase release --html -o "$OUT/payout_diff.html" "$OUT/money/naive_failed.json" "$OUT/money/traces/escrow_$paid.json" || true
daemon=$(grep -o 'daemon=127\.0\.0\.1:[0-9]*' "$OUT/money/escrowd.log" | tail -n 1 | cut -d= -f2)
# One block puts the payouts in the chain (its reward goes to the buyer: any address will do).
curl -fsS -m 300 "http://$daemon/json_rpc" -H 'Content-Type: application/json' \
  -d "{\"jsonrpc\":\"2.0\",\"id\":\"0\",\"method\":\"generateblocks\",\"params\":{\"amount_of_blocks\":1,\"wallet_address\":\"$BUYER_ADDR\"}}" >/dev/null
start_payee_server --daemon-address "$daemon" --trusted-daemon
wallet open_wallet '{"filename":"vendor","password":""}' >/dev/null
wallet refresh >/dev/null
got=$(wallet get_balance | jq -r .result.balance)
stop_payee_server
want=$(jq -s 'map(.payout.amount) | add' "$OUT/money/naive-retry-release.json" "$OUT/money/good-release.json")
echo
echo "   the API: the vendor was paid $want atomic units (two payouts)"
echo "   the vendor's own wallet (the demo's wallet server, on escrowd's monerod): $got atomic units"
[ "$got" = "$want" ] || { echo "the vendor's balance is not what the API says was paid" >&2; exit 1; }
echo "   The vendor's wallet holds what the API says."
echo "-- the money run's escrows:"
"$BIN/escrowtrace" stats "$OUT/money/traces" || true
stop_escrowd

if [ -n "$JAEGER_UI" ]; then
  step "Traces in Jaeger (the trace ID is the escrow ID without dashes)"
  for id in "$bad" "$good" "$naive"; do
    tid=${id//-/}
    echo "   escrow $id:"
    echo "     UI  $JAEGER_UI/trace/$tid   (the Docker image's UI; a module-built Jaeger serves the API only)"
    echo "     API $JAEGER_UI/api/traces/$tid"
  done
fi

step "Pages"
echo "   the failed escrow:  file://$OUT/escrow_failed.html"
echo "   the diff:           file://$OUT/diff.html"
echo "   the failed payout:  file://$OUT/payout_failed.html"
echo "   the payouts' diff:  file://$OUT/payout_diff.html"
echo "   (escrowd serves the same pages live under /ui/ while it runs)"

echo
echo "$(date +%s) end" >>"$OUT/chapters.log"
echo "Time per chapter: $(awk 'NR > 1 { printf "%s%s %d s", sep, name, $1 - t; sep = ", " } { t = $1; name = $2 }' "$OUT/chapters.log")"
bold "Done in $(( $(date +%s) - T0 )) s. Files: $OUT (trace files in */traces, daemon logs in */escrowd.log)."
