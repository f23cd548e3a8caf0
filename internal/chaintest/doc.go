// Package chaintest starts a real regtest chain for tests and benchmarks: a
// supervised monerod --regtest, wallet servers connected to it, and a primed
// dev faucet on a server of its own.
package chaintest
