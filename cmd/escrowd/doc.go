// Command escrowd is the escrow daemon: an HTTP API that sets up 2-of-3
// Monero multisig escrows through monero-wallet-rpc, with every escrow an
// OpenTelemetry trace.
//
// With no arguments it serves on 127.0.0.1:8080, starts its own wallet RPC
// servers, keeps its data under ./data and, when ENABLE_INSTRUMENTATION=1,
// writes one escrow_<id>.json per escrow under ./traces. Every flag has an
// ESCROWD_* environment variable; a flag wins over its variable. Run
// escrowd --help for the list.
//
// This package only reads the configuration and wires the packages together:
// internal/store, internal/escrows, internal/api, pkg/multisig and pkg/trace.
package main
