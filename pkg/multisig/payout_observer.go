package multisig

import (
	"context"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// PayoutObserver is told about a payout's snapshot points (escrow.PointPreSync,
// PointPostSync, PointPostSign, PointPayoutFinal) and the funding check's
// (escrow.PointFunded). Snapshot is called from each role's goroutine at
// once; src costs wallet calls, so an implementation reads it only when it
// records. It will merge with the setup's Observer.
type PayoutObserver interface {
	Snapshot(ctx context.Context, point escrow.Point, role escrow.Role, src SnapshotSource)
}

type nopPayoutObserver struct{}

func (nopPayoutObserver) Snapshot(context.Context, escrow.Point, escrow.Role, SnapshotSource) {}
