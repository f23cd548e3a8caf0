// Command escrowbench measures escrow setups end to end on real
// monero-wallet-rpc servers that it starts itself, and summarises Go
// benchmark output. It prints markdown tables and one JSON line per scenario.
//
// Scenarios (-scenario, comma-separated):
//
//   - tracing: the same pool of three servers, escrows with tracing on (file
//     exporter) and off, interleaved on/off/off/on..., median setup time of
//     each and their ratio.
//   - concurrency: 1, 3 and 10 escrows at once (-levels) in leased,
//     global-lock and shared mode (-modes): escrows per minute, p50/p95 setup
//     time, failures, the wallet servers' CPU seconds per escrow and the
//     throughput bound those set on this machine's cores.
//   - reserve: issue 10's warm reserve, on one set of three servers,
//     interleaved (-runs times after a warm-up): the key-exchange floor (a
//     bare client's prepare_multisig, make_multisig and two
//     exchange_multisig_keys, each step's three calls at once, on wallets
//     created before the clock starts), escrows with a full warm reserve and
//     escrows without one; p50/p95 and ratios to the floor, and a per-call
//     profile of where each setup's time goes. Then -bursts bursts of -burst
//     escrows at once against a reserve of -reserve-size wallets: latency of
//     escrows served warm vs cold, the reserve's hits and misses, and how
//     long until it is full again.
//
// With -summarize FILE it instead reads `go test -bench` output (several
// -count runs) and prints medians with each sub-benchmark's difference from
// the -baseline sibling.
//
// Every figure is meant to be read against a baseline of the same run: the
// machine is shared and noisy.
package main
