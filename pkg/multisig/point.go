package multisig

import "github.com/escrowd/escrowd/pkg/escrowtrace"

// Point is one of the seven snapshot points that each wallet passes, in order.
type Point int

// The seven snapshot points of a 2-of-3 setup (shared/escrow-trace).
const (
	PointPreRound1 Point = iota
	PointPostMakeMultisig
	PointPreRound2
	PointPostExportMultisig
	PointPreRound3
	PointPostImportMultisig
	PointFinal
	numPoints
)

// Points lists the seven points in the order they are reached.
var Points = [numPoints]Point{
	PointPreRound1, PointPostMakeMultisig, PointPreRound2,
	PointPostExportMultisig, PointPreRound3, PointPostImportMultisig, PointFinal,
}

// Name is the point's event name in traces and files, e.g. SNAPSHOT_PRE_ROUND1.
func (p Point) Name() string {
	if p < 0 || p >= numPoints {
		return "SNAPSHOT_UNKNOWN"
	}
	return escrowtrace.SnapshotEvents[p]
}

func (p Point) String() string { return p.Name() }

// Round is the round a point belongs to (PointFinal belongs to round 3).
func (p Point) Round() Round {
	switch p {
	case PointPreRound1, PointPostMakeMultisig:
		return Round1
	case PointPreRound2, PointPostExportMultisig:
		return Round2
	default:
		return Round3
	}
}
