// Package wallettest starts real monero-wallet-rpc servers for tests and
// benchmarks: the wallet server in escrowd's tests is always the real one.
package wallettest
