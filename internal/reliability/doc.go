// Package reliability holds escrowd's fault, bad-input and secret tests at the
// library level: the same wiring the daemon does (trace.Setup, a multisig
// coordinator, a walletpool supervisor of real monero-wallet-rpc servers),
// driven through the faults issue 8 names: a wallet server killed in each
// round or hung, a trace collector down or blackholed, a traces directory
// that cannot be written, escrowd stopped mid-escrow, hostile escrow IDs, and
// a scan of everything a run emitted for its secrets.
//
// The package has no code of its own; docs/reliability.md maps each claim to
// the test here that proves it and the figures the tests observed. The tests
// need monero-wallet-rpc (and, for the secret scan, the local Jaeger build);
// under -short they are skipped.
package reliability
