// Package e2e holds escrowd's end-to-end tests of tracing: real
// monero-wallet-rpc servers run real 2-of-3 escrows through the library path
// the daemon wires (trace.Setup, then a multisig.Coordinator with the
// Provider's Observer and Middleware), with the file exporter and the OTLP
// exporter both on, and the traces are read back from a real Jaeger v2
// (internal/jaegertest) and from the escrow_<id>.json files. The daemon test
// (TestDaemonTracesInJaeger) does the same through the escrowd binary and its
// HTTP API, as a user runs it: OTLP to Jaeger by OTEL_EXPORTER_OTLP_ENDPOINT,
// a forced shared-mode failure and a leased success, requests carrying a W3C
// traceparent whose server span the escrow's root span links to. The money
// test (TestDaemonMoneyTraceInJaeger) runs escrowd with its embedded regtest
// chain: an escrow funded and released through the API has its setup, fund
// and release root spans under its one trace ID in Jaeger, the release
// linked to its request and the payer's daemon call a span of it; its file
// holds the three phases with their snapshots and balances; and no payee
// address, payout tx hash or stored tx set is in the file, the log, Jaeger's
// answers, the trace endpoint or the UI pages.
//
// What the tests hold escrowd to:
//   - Jaeger finds an escrow's trace under the escrow's own ID, one client
//     span per wallet RPC call with its tags, the snapshots as span logs and
//     failures marked as errors; the analyzer rebuilds the same timeline from
//     Jaeger as from the file and from the file's otlp section.
//   - With Jaeger down (a closed port, or a blackholed one that accepts and
//     never answers) escrows still complete and their files are still
//     written, Shutdown keeps its deadline, the OTLP path holds bounded memory
//     and its error log is rate-limited.
//
// The package has no non-test code. Its tests need the Jaeger binary
// (scripts/jaeger.sh build) and monero-wallet-rpc (the money test monerod
// too), take a few minutes on two
// cores, and skip under -short.
package e2e
