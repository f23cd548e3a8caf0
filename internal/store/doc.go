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
package store
