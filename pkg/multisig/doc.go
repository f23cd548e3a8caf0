// Package multisig runs the 2-of-3 multisig setup of an escrow (buyer, vendor,
// arbiter) on monero-wallet-rpc servers, correctly under concurrency.
//
// A Coordinator takes an Escrow through its three rounds: round 1 prepares and
// makes the multisig wallets, rounds 2 and 3 exchange keys. The setup is a
// table (setup.go): one row per step of escrow.SetupSteps, each with the
// role's work, the state is_multisig must show after it and the checks of
// what the roles produced; one runner takes any such table through its steps,
// so that another protocol (a payout) is another table. In the default
// leased mode it leases one wallet server per role from a walletpool.Pool for
// the whole setup, so no two escrows ever share a server or an open wallet, and
// the three participants' calls of a step run in parallel. Two weaker modes,
// shared and global-lock, exist only to reproduce the original bug and to
// compare against the usual stop-gap fix. A Reserve keeps fresh wallets
// created ahead of demand; an escrow adopts one only while it is still the
// server's open wallet.
//
// The coordinator validates what it sends (exactly the two other participants'
// messages, threshold 2), stores the wallet after every step, checks
// is_multisig after every step (several wallet failures answer success), and
// accepts a setup only when all three wallets are ready 2-of-3 with one address.
// A failure is a *StepError: escrow, phase, role, round, operation and its
// escrow.Kind (KindOf), so that callers store and switch on it, never on the
// message.
//
// A Payer runs the phases after the setup on wallet servers connected to a
// daemon: Funded checks the escrow's balance, Pay runs a payout (release,
// refund, resolve) as a table of escrow.PayoutSteps, Resume finishes one a
// crash interrupted, from its write-ahead Journal record.
//
// The domain (roles, rounds, points, steps, kinds, the ID rule, wallet
// names) is package escrow's. Observability is a hook, not a dependency: one
// Observer serves the whole lifecycle. Each phase (the setup, a funding
// check that finds the escrow funded, a payout) starts and ends on it, its
// stages and snapshot points are reported to it, and every wallet call
// passes through the walletrpc middleware the caller installs.
// Package trace fills both; this package imports nothing of tracing or of
// the trace file format.
//
// Subpackages: walletrpc is the typed JSON-RPC client, walletpool starts and
// supervises wallet servers and leases them.
package multisig
