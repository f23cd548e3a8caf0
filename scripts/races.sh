#!/usr/bin/env bash
# scripts/races.sh: real shared-mode races (the seed's bug: three escrows at
# once on ONE monero-wallet-rpc, switching wallets per step, no lock), each
# escrow traced into its file by the real tracing; then every failure is named
# by the analyzer and the table "wallet error -> root-cause kind" is written to
# docs/root-causes.md, with the command that made it.
#
#   RACES=20          races of three escrows without a barrier (one more runs with it)
#   PARALLEL=2        races at once, each on its own wallet server
#   RACES_OUT=dir     where the trace files go (default races-out/<time>)
#   RACES_FROM=dir    skip the races and table the trace files already in dir
#   DOC=docs/root-causes.md   the page to write ("-" for stdout)
# About 4 minutes a race on a quiet 2-core machine, far more on a loaded one.
set -euo pipefail
cd "$(dirname "$0")/.."
export GOTOOLCHAIN=local
GO=${GO:-go}
RACES=${RACES:-20}
PARALLEL=${PARALLEL:-2}
DOC=${DOC:-docs/root-causes.md}
CMD="RACES=$RACES PARALLEL=$PARALLEL scripts/races.sh${RACES_FROM:+ (tabled again from $RACES_FROM with RACES_FROM)}"

if [ -n "${RACES_FROM:-}" ]; then
  OUT=$RACES_FROM
else
  OUT=${RACES_OUT:-races-out/$(date +%Y%m%d-%H%M%S)}
  mkdir -p "$OUT"
  echo "== $RACES races of three escrows on one shared wallet server (and one with a barrier): trace files in $OUT"
  # The races are the analyzer's race test, run longer; it fails when a
  # failed escrow is named by no root-cause kind, and the table is written anyway.
  status=0
  $GO test ./analysis -run '^TestSharedRaces$' -count=1 -timeout 6h -v \
    -races "$RACES" -races-parallel "$PARALLEL" -races-out "$(cd "$OUT" && pwd)" >"$OUT/race-test.log" 2>&1 || status=$?
  grep -E '^\s*(---|ok|FAIL|.*races_test.go)' "$OUT/race-test.log" || true
  [ "$status" = 0 ] || echo "the race test failed (exit $status); see $OUT/race-test.log" >&2
fi

mkdir -p bin
$GO build -o bin/escrowtrace ./cmd/escrowtrace
shopt -s nullglob
files=("$OUT"/escrow_*.json)
[ "${#files[@]}" -gt 0 ] || { echo "no trace files in $OUT" >&2; exit 1; }

# One row per failed escrow: the wallet's answer that ended it (the role's last
# failed call of the final error's operation, or the coordinator's own check
# when the wallet answered success), and the analyzer's root cause.
rows=$(mktemp)
trap 'rm -f "$rows"' EXIT
for f in "${files[@]}"; do
  [ "$(jq -r .outcome "$f")" = failed ] || continue
  root=$(bin/escrowtrace analyze --json "$f" | jq -r '.root_cause // "(none)"' || true)
  jq -r --arg root "$root" --arg file "$(basename "$f")" '
    (.events | map(select(.type == "ERROR_FINAL")) | last) as $final
    | ($final.context.operation // .error.operation // "?") as $op
    | (.events | map(select(.type == "RPC_CALL_ERROR" and .role == $final.role and .method == $op)) | last) as $call
    | (if $call then "\($call.method): \($call.error.code // "-") \($call.error.message)"
       else "\($op): the call answered success; the coordinator refused what it got" end) as $err
    | [($err | gsub("\\|"; "/")), $root, $file] | @tsv' "$f" >>"$rows"
done

escrows=${#files[@]}
failed=$(wc -l <"$rows")
# The page's hand-written part (the payout's kinds) follows a marker line and
# is kept as it is.
marker='<!-- Hand-written below this line'
kept=$(mktemp)
trap 'rm -f "$rows" "$kept"' EXIT
if [ "$DOC" != - ] && [ -f "$DOC" ]; then
  sed -n "/^$marker/,\$p" "$DOC" >"$kept"
fi
{
  echo "# Root causes of shared-mode races"
  echo
  echo "What the real monero-wallet-rpc (0.18) answers when escrows race on one wallet server"
  echo "(\`mode=shared\`, the seed's bug), and the root-cause kind the analyzer names for each failed"
  echo "escrow (\`escrowtrace analyze\`: \`root cause\`; \`escrowtrace stats\`: \"Root causes of failures\")."
  echo "Written by \`$CMD\` on $(date -u +%Y-%m-%d): $escrows escrows, $failed failed."
  echo
  echo "| wallet error that ended the escrow | root-cause kind | escrows |"
  echo "| --- | --- | ---: |"
  cut -f1,2 "$rows" | sort | uniq -c | sort -rn | while read -r n line; do
    err=${line%$'\t'*}
    kind=${line##*$'\t'}
    echo "| \`$err\` | \`$kind\` | $n |"
  done
  echo
  echo "\`escrowtrace stats\` over the same files:"
  echo
  echo '```'
  bin/escrowtrace stats --no-color "$OUT" | sed -n '1,/^Anomaly kinds/p' | sed '$d' || true
  echo '```'
  echo
  unnamed=$(awk -F'\t' '$2 == "rpc_error" || $2 == "(none)"' "$rows" | sort)
  if [ -z "$unnamed" ]; then
    echo "Every failure is named by a root-cause kind."
  else
    echo "Failures that no root-cause kind of the contract names (only \`rpc_error\`, the symptom, or"
    echo "nothing): the contract's kinds miss one for these. \`context deadline exceeded\` is a call that"
    echo "waited in the one wallet server's queue, behind the other escrows' calls, past walletrpc's"
    echo "2-minute deadline (the cost of sharing a server on a loaded machine, not a wrong wallet)."
    echo "Files in the run's directory:"
    echo
    printf '%s\n' "$unnamed" | while IFS=$'\t' read -r err kind file; do
      echo "- \`$file\`: \`$err\` ($kind)"
    done
  fi
  if [ -s "$kept" ]; then
    echo
    cat "$kept"
  fi
} >"${DOC/#-//dev/stdout}"
[ "$DOC" = - ] || echo "wrote $DOC ($failed failed escrows of $escrows)"
