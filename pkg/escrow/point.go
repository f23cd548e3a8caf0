package escrow

// Point is a snapshot point: a moment at which each role's wallet state is
// recorded as a SNAPSHOT_* event. The seven setup points come first, in the
// order each wallet passes them; then the funding and payout points.
type Point int

// The snapshot points (shared/escrow-trace).
const (
	PointPreRound1          Point = iota // before prepare/make (round 1)
	PointPostMakeMultisig                // after make_multisig (round 1)
	PointPreRound2                       // before round 2's exchange_multisig_keys
	PointPostExportMultisig              // after round 2's exchange_multisig_keys
	PointPreRound3                       // before round 3's exchange_multisig_keys
	PointPostImportMultisig              // after round 3's exchange_multisig_keys
	PointFinal                           // the setup's end (round 3)

	PointFunded      // funding: the escrow was seen funded
	PointPreSync     // payout: wallet open and refreshed, before export_multisig_info
	PointPostSync    // payout: after import_multisig_info
	PointPostSign    // payout: after the role's transfer or sign_multisig
	PointPayoutFinal // payout: after submit_multisig and the post-spend sync

	numPoints
)

// NumSetupPoints is the number of snapshot points each wallet passes in a
// setup; a successful setup has NumSetupPoints*Participants snapshots.
const NumSetupPoints = 7

// SetupPoints lists the setup's points in order.
var SetupPoints = [NumSetupPoints]Point{
	PointPreRound1, PointPostMakeMultisig, PointPreRound2,
	PointPostExportMultisig, PointPreRound3, PointPostImportMultisig, PointFinal,
}

// PayoutPoints lists a payout's points in order.
var PayoutPoints = [...]Point{PointPreSync, PointPostSync, PointPostSign, PointPayoutFinal}

var pointNames = [numPoints]string{
	"SNAPSHOT_PRE_ROUND1",
	"SNAPSHOT_POST_MAKE_MULTISIG",
	"SNAPSHOT_PRE_ROUND2",
	"SNAPSHOT_POST_EXPORT_MULTISIG",
	"SNAPSHOT_PRE_ROUND3",
	"SNAPSHOT_POST_IMPORT_MULTISIG",
	"SNAPSHOT_FINAL",
	"SNAPSHOT_FUNDED",
	"SNAPSHOT_PRE_SYNC",
	"SNAPSHOT_POST_SYNC",
	"SNAPSHOT_POST_SIGN",
	"SNAPSHOT_PAYOUT_FINAL",
}

// Valid reports whether p is a known point.
func (p Point) Valid() bool { return p >= 0 && p < numPoints }

// Name is the point's event name in traces and files, e.g. SNAPSHOT_PRE_ROUND1.
func (p Point) Name() string {
	if !p.Valid() {
		return "SNAPSHOT_UNKNOWN"
	}
	return pointNames[p]
}

func (p Point) String() string { return p.Name() }

// Short is the name without its SNAPSHOT_ prefix, for compact tables.
func (p Point) Short() string { return p.Name()[len("SNAPSHOT_"):] }

// IsSetup reports whether p is one of the seven setup points.
func (p Point) IsSetup() bool { return p >= PointPreRound1 && p <= PointFinal }

// Round is the setup round the point belongs to (PointFinal belongs to round
// 3); 0 for the funding and payout points, which are outside the rounds. A
// reader derives a snapshot's round from its point when the file omits it.
func (p Point) Round() Round {
	switch p {
	case PointPreRound1, PointPostMakeMultisig:
		return Round1
	case PointPreRound2, PointPostExportMultisig:
		return Round2
	case PointPreRound3, PointPostImportMultisig, PointFinal:
		return Round3
	}
	return 0
}

// PointByName returns the point whose event name is name.
func PointByName(name string) (Point, bool) {
	for i, n := range pointNames {
		if n == name {
			return Point(i), true
		}
	}
	return -1, false
}

// IsSnapshotName reports whether name is the event name of a known point.
func IsSnapshotName(name string) bool {
	_, ok := PointByName(name)
	return ok
}
