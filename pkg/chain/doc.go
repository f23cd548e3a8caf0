// Package chain is escrowd's access to a Monero chain: a supervised
// monerod --regtest for local runs and tests (Start), a small typed client
// of the daemon's RPC (Client: height, mining on regtest, where a
// transaction is), and a regtest dev faucet (Faucet) that owns mined
// coinbase and pays escrows. Client.WithHook wraps each daemon call of a
// client (escrowd's tracing makes a span of each of the payer's); a Call
// shows a hook the method, the daemon's address and the transactions asked
// about, which a hook must not record as they are.
//
// Start with Start(ctx, Config{DataDir: dir}): it runs monerod on loopback
// only (RPC on 127.0.0.1, no P2P listener, no ZMQ, no UPnP), waits until
// get_info answers, restarts the process on the same port and data dir when
// it dies, and stops it with SIGTERM, then SIGKILL after a bounded wait.
// Wallet servers then use Daemon.Address() as their --daemon-address.
//
// The faucet and mining exist on regtest only: they refuse any daemon whose
// get_info does not report the fakechain (regtest) network.
package chain
