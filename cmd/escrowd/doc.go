// Command escrowd is the escrow daemon: an HTTP API that sets up 2-of-3
// Monero multisig escrows through monero-wallet-rpc, funds them and pays
// them out, with every escrow an OpenTelemetry trace.
//
// With no arguments it serves on 127.0.0.1:8080, runs a local chain (an
// embedded, supervised monerod --regtest under ./data/chain, loopback only)
// with a dev faucet, starts its own wallet RPC servers on that daemon, keeps
// its data under ./data and, when ENABLE_INSTRUMENTATION=1, writes one
// escrow_<id>.json per escrow under ./traces. --network stagenet|mainnet with
// --daemon-address uses a daemon the user runs (checked against the network
// at start); --offline runs no daemon at all (setups only). Every flag has an
// ESCROWD_* environment variable; a flag wins over its variable. Run
// escrowd --help for the list.
//
// Shutdown order: the HTTP server stops accepting, escrows and payouts
// finish (up to --shutdown-timeout), the exporters flush, the wallet servers
// stop, then monerod; each child gets SIGTERM, then SIGKILL after a bounded
// wait.
//
// Test-only fault injection: ESCROWD_FAULT_KILL_AFTER_STAGE=unsigned, signed
// or submitted makes escrowd SIGKILL its own process right after the store
// kept a payout's write-ahead record of that stage, as a crash there would;
// the crash tests restart escrowd on the same data directory and check that
// the payout resumes without paying twice. Any other value is refused at
// start. Never set it outside tests.
//
// This package only reads the configuration and wires the packages together:
// internal/store, internal/escrows, internal/api, pkg/chain, pkg/moneroaddr,
// pkg/multisig and pkg/trace.
package main
