// Package barepayout is the baseline of the payout benchmarks: it pays a
// funded 2-of-3 escrow with the wallet calls alone, on servers leased from
// a walletpool.Pool, with no escrowd payout code (no journal, no checks
// between calls, no observer). pkg/multisig's BenchmarkPayoutVsBareClient
// and internal/escrows' BenchmarkServicePayout compare escrowd against it
// on the same servers in the same run. Test code only.
package barepayout
