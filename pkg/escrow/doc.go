// Package escrow is the domain of a 2-of-3 Monero multisig escrow, named once:
// the three roles and the threshold, the setup's key-exchange rounds, the
// lifecycle phases (setup, fund, release, refund, resolve), the snapshot points
// with their event names and rounds, the steps of each protocol in the order
// every role passes them, the kinds of failure, and the rules for identifiers
// (the escrow ID, its trace ID, its trace file's name, and the hashes under
// which addresses and transaction hashes appear in traces).
//
// It is a leaf: it imports nothing of escrowd. The coordinator
// (pkg/multisig), the tracing (pkg/trace), the file format (pkg/escrowtrace),
// the analyzer (analysis) and the daemon take these names from here, so that a
// new phase, point or failure kind is added in one place.
package escrow
