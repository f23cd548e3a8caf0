package escrowtrace

import "github.com/escrowd/escrowd/pkg/escrow"

// The domain moved to pkg/escrow. These wrappers keep the callers that have
// not moved yet compiling for one round; new code uses pkg/escrow.

// Deprecated: use escrow.ValidID.
func ValidEscrowID(id string) bool { return escrow.ValidID(id) }

// Deprecated: use escrow.FileName, or Path for a file's path.
func FileName(escrowID string) (string, error) { return escrow.FileName(escrowID) }

// Deprecated: use escrow.TraceIDFor.
func TraceIDFor(escrowID string) (string, error) { return escrow.TraceIDFor(escrowID) }

// Deprecated: use escrow.HashAddress.
func HashAddress(addr string) string { return escrow.HashAddress(addr) }

// Deprecated: use escrow.SetupPoints and escrow.Point.Name.
var SnapshotEvents = [...]string{
	EventSnapshotPreRound1,
	EventSnapshotPostMakeMultisig,
	EventSnapshotPreRound2,
	EventSnapshotPostExportMultisig,
	EventSnapshotPreRound3,
	EventSnapshotPostImportMultisig,
	EventSnapshotFinal,
}

// Deprecated: use escrow.IsSnapshotName, which also knows the payout points;
// this one knows the seven setup points only.
func IsSnapshotEvent(t string) bool {
	p, ok := escrow.PointByName(t)
	return ok && p.IsSetup()
}
