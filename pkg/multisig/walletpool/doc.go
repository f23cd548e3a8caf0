// Package walletpool runs and hands out monero-wallet-rpc servers.
//
// A monero-wallet-rpc process holds one open wallet and serves one request at
// a time, so an escrow must own its servers while it works on them: two
// escrows on one server silently overwrite each other's open wallet. This
// package gives escrowd that ownership:
//
//   - A Supervisor starts N embedded monero-wallet-rpc processes (loopback
//     only, random Digest credentials per process, one shared wallet
//     directory), restarts any that die, and stops them with SIGTERM so that
//     they save their wallets.
//   - NewExternal wraps a server somebody else runs.
//   - A Pool hands out Servers under exclusive Leases: Acquire(ctx, n) gives n
//     distinct healthy servers, all or nothing, to waiters in FIFO order;
//     Lease.Release gives them back.
//
// Start with StartSupervisor, pass its Servers to NewPool, and Acquire three
// servers (one per role) for each escrow.
package walletpool
