// Package multisig runs the 2-of-3 multisig setup of an escrow (buyer, vendor,
// arbiter) on monero-wallet-rpc servers, correctly under concurrency.
//
// A Coordinator takes an Escrow through its three rounds: round 1 prepares and
// makes the multisig wallets, rounds 2 and 3 exchange keys. In the default
// leased mode it leases one wallet server per role from a walletpool.Pool for
// the whole setup, so no two escrows ever share a server or an open wallet, and
// the three participants' calls of a round run in parallel. Two weaker modes,
// shared and global-lock, exist only to reproduce the original bug and to
// compare against the usual stop-gap fix.
//
// The coordinator validates what it sends (exactly the two other participants'
// messages, threshold 2), stores the wallet after every step, checks
// is_multisig after every step (several wallet failures answer success), and
// accepts a setup only when all three wallets are ready 2-of-3 with one address.
//
// Observability is a hook, not a dependency: the seven snapshot points and the
// phases are reported to an Observer, and every wallet call passes through the
// walletrpc middleware the caller installs. Package trace fills both.
//
// Subpackages: walletrpc is the typed JSON-RPC client, walletpool starts and
// supervises wallet servers and leases them.
package multisig
