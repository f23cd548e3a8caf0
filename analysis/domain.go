package analysis

import "github.com/escrowd/escrowd/pkg/escrowtrace"

// The three participants and the scheme, as the analyzer needs them. They are
// spelled here rather than imported from pkg/multisig because the analyzer
// depends on the file format only (pkg/escrowtrace), never on the code that
// produces traces.
const (
	roleBuyer   = "buyer"
	roleVendor  = "vendor"
	roleArbiter = "arbiter"

	wantThreshold    = 2
	wantParticipants = 3
)

// roles returns the participants in the fixed display order.
func roles() [3]string { return [3]string{roleBuyer, roleVendor, roleArbiter} }

// roleRank orders roles for display: known roles first in their fixed order,
// then anything else.
func roleRank(r string) int {
	for i, k := range roles() {
		if k == r {
			return i
		}
	}
	return len(roles())
}

// pointIndex is the position of a snapshot event type among the seven points,
// or -1 when t is not a snapshot type.
func pointIndex(t string) int {
	for i, s := range escrowtrace.SnapshotEvents {
		if s == t {
			return i
		}
	}
	return -1
}

// pointRound is the round a snapshot point belongs to (FINAL belongs to round 3).
func pointRound(i int) int {
	switch {
	case i <= 1:
		return 1
	case i <= 3:
		return 2
	default:
		return 3
	}
}

// numPoints is the number of snapshot points per wallet.
const numPoints = len(escrowtrace.SnapshotEvents)

// shortPoint drops the SNAPSHOT_ prefix for compact tables.
func shortPoint(t string) string {
	const p = "SNAPSHOT_"
	if len(t) > len(p) && t[:len(p)] == p {
		return t[len(p):]
	}
	return t
}
