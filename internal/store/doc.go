// Package store keeps escrows in an embedded SQLite database (pure Go,
// modernc.org/sqlite), so that they survive a restart of escrowd.
//
// Open the database with Open; the file is created 0600 in a 0700 directory,
// and a database of an older escrowd is migrated in place (migrate.go). An
// escrow is created pending, set running when its setup starts and ended
// (End, or Finish) ready or failed; a failed escrow keeps where it failed
// (Failure: phase, role, round, operation, kind) and its root cause in columns
// of their own, so that lists need neither its message nor its trace file. At
// start-up, MarkInterrupted fails the escrows that a stopped process left
// pending or running, with the reason "interrupted".
//
// The money path (migration 3): a ready escrow keeps its wallet files by
// role and its payees' addresses (SetAddresses: each fixed once set);
// MarkFunded records its balances (funded). ClaimPayout is the one way a
// payout starts: funded -> paying_out and the escrow's one payouts row, in
// one transaction, before anything is signed. RecordPayout keeps the
// payout's write-ahead record (the unsigned or signed transaction set, its
// hashes, amount, fee, height: the set is private, never logged); a record
// never goes back from signed. FinishPayout ends it released, refunded or
// resolved; FailPayout sends an attempt that was never signed back to
// funded with last_error. PayingOut lists what a restart resumes; Waiting
// what the funding watcher checks. MarkInterrupted never touches a payout.
package store
