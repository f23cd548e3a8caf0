// Package store keeps escrows in an embedded SQLite database (pure Go,
// modernc.org/sqlite), so that they survive a restart of escrowd.
//
// Open the database with Open; the file is created 0600 in a 0700 directory.
// An escrow is created pending, set running when its setup starts and finished
// ready or failed. At start-up, MarkInterrupted fails the escrows that a stopped
// process left pending or running, with the reason "interrupted".
package store
