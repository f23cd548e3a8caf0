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
//     they save their wallets, then SIGKILL after StopTimeout.
//   - Before a started server is used, the supervisor makes sure it is the
//     process it started: the socket listening on its port belongs to the
//     child's PID, and the server proves it holds the child's credentials
//     (walletrpc.Client.VerifyServer). A process that took the port first is
//     never sent a password; the child is killed and started on another port.
//   - Servers get a minimal environment (PATH, HOME, the locale, and a marker
//     naming the wallet directory and the escrowd that started them), die
//     with SIGKILL when escrowd dies (a SIGTERM'd 0.18 server can hang in
//     its shutdown for good), and a new Supervisor kills, at start, the
//     servers of its wallet directory that a crashed run left behind, found
//     by marker and --wallet-dir, never by name.
//   - NewExternal wraps a server somebody else runs; ParseExternal and
//     LoadLogins read its URL and its login (never from a command line).
//   - A Pool hands out Servers under exclusive Leases: Acquire(ctx, n) gives n
//     distinct healthy servers, all or nothing, to waiters in FIFO order;
//     Lease.Release gives them back.
//
// Start with StartSupervisor, pass its Servers to NewPool, and Acquire three
// servers (one per role) for each escrow.
package walletpool
