// Package escrows is escrowd's escrow service: it checks a request, admits it
// or refuses it as busy, stores it, runs the multisig setup in the background
// and records how it ended: ready with its address, or failed with the step
// error's phase, role, round, operation and kind, and the root cause that
// Config.Diagnose finds in the escrow's trace once the run has returned.
//
// The HTTP API calls Submit, Get, Wait and List; cmd/escrowd builds the
// Service with New over a store and a Runner (the multisig coordinator) and
// calls Shutdown when the process stops. An escrow counts as running from the
// moment Submit admits it, so Shutdown waits for every admitted escrow.
// Tests stand an escrowstest.Runner in for the coordinator.
//
// The money path (issue 18): a ready escrow is funded once its wallet's
// unlocked balance covers the amount; a funding watcher (started by
// Recover) polls the ready escrows' wallets through the Payer, and Fund is
// regtest's dev faucet. Payout claims the escrow's one payout in the store
// (funded -> paying_out, before anything is signed) and runs it in the
// background; the Payer's journal is the Service (Record), so each
// write-ahead record (unsigned set, signed set and its hashes, submitted)
// is in the store before the payout's next step. A payout that fails
// before its transaction was signed leaves the escrow funded with
// last_error; one that may have been sent is only ever resumed, never
// started again. After a crash, Recover resumes every payout left
// paying_out from its record (Payer.Resume). Tests stand an
// escrowstest.Ledger in for the payer, the faucet and the daemon, and the
// regtest tests use the real ones on internal/chaintest.
package escrows
