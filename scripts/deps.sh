#!/usr/bin/env bash
# Installs what escrowd's tests and demo need on a fresh Debian machine, when missing:
# Debian's monero package (monero-wallet-rpc, monerod), and curl and jq for the demo script.
# Idempotent and quiet when all is there.
set -euo pipefail

need=()
command -v monero-wallet-rpc >/dev/null 2>&1 || need+=(monero)
command -v curl >/dev/null 2>&1 || need+=(curl ca-certificates)
command -v jq >/dev/null 2>&1 || need+=(jq)
for extra in "$@"; do
  case "$extra" in
    chromium) command -v chromium >/dev/null 2>&1 || need+=(chromium) ;;
    *) echo "deps.sh: unknown extra '$extra'" >&2; exit 2 ;;
  esac
done

if [ ${#need[@]} -gt 0 ]; then
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  echo "deps.sh: installing ${need[*]} from Debian's packages" >&2
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

command -v go >/dev/null 2>&1 || { echo "deps.sh: Go 1.26 is required (go not on PATH)" >&2; exit 1; }
