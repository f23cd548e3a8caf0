// Package wallettest is the wallet-server test kit: it starts real
// monero-wallet-rpc servers for tests and benchmarks (Start, StartIn, and
// Main, the TestMain of packages whose tests share servers), since the wallet
// server in escrowd's tests is always the real one; and it has the one
// scripted wallet, Canned, for the faults and measurements a real server
// can't give (an error on demand, calls without a socket).
package wallettest
