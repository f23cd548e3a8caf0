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
package escrows
