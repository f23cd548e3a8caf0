package multisig

import (
	"context"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Phase is a stage of the setup that an Observer may show as a span.
type Phase string

// The phases of a setup, in order.
const (
	PhaseCreateWallets Phase = "create_wallets"
	PhaseRound1        Phase = "round1"
	PhaseRound2        Phase = "round2"
	PhaseRound3        Phase = "round3"
	PhaseVerify        Phase = "verify"
)

// Round is the round the phase belongs to; 0 for wallet creation, 3 for verify.
func (p Phase) Round() escrow.Round {
	switch p {
	case PhaseRound1:
		return escrow.Round1
	case PhaseRound2:
		return escrow.Round2
	case PhaseRound3, PhaseVerify:
		return escrow.Round3
	}
	return 0
}

// Snapshot is the state of the wallet that a role's server had open at a
// snapshot point. It holds no key material: the address only as a hash.
type Snapshot struct {
	WalletID        string // the wallet the escrow expects for the role
	IsMultisig      bool
	Ready           bool
	Threshold       int
	Total           int
	Balance         uint64
	UnlockedBalance uint64
	AddressHash     string // escrow.HashAddress of the open wallet's address
	FileMode        string // keys file permissions, e.g. "0600"; "" when unknown (external server)
	// Err is set when a part of the snapshot could not be read.
	Err error
}

// SnapshotSource reads a role's snapshot. It costs wallet RPC calls, so an
// Observer calls it only when it records.
type SnapshotSource interface {
	ReadSnapshot(ctx context.Context) Snapshot
}

// Observer is told what a setup does. The coordinator calls it from the
// escrow's goroutine and, for Snapshot, from each role's goroutine at once.
// Implementations must be cheap when they don't record: package trace's is a
// few nanoseconds per call with tracing off.
type Observer interface {
	// StartEscrow is called first; the returned context is used for the rest.
	StartEscrow(ctx context.Context, e Escrow, mode Mode) context.Context
	// StartPhase starts a phase; the returned context is used within it and
	// passed to EndPhase.
	StartPhase(ctx context.Context, p Phase) context.Context
	EndPhase(ctx context.Context, err error)
	// Snapshot is called at each of the seven points for each role.
	Snapshot(ctx context.Context, point escrow.Point, role escrow.Role, src SnapshotSource)
	// EndEscrow is called last, with the setup's result or error (often a *StepError).
	EndEscrow(ctx context.Context, res Result, err error)
}

type nopObserver struct{}

func (nopObserver) StartEscrow(ctx context.Context, _ Escrow, _ Mode) context.Context   { return ctx }
func (nopObserver) StartPhase(ctx context.Context, _ Phase) context.Context             { return ctx }
func (nopObserver) EndPhase(context.Context, error)                                     {}
func (nopObserver) Snapshot(context.Context, escrow.Point, escrow.Role, SnapshotSource) {}
func (nopObserver) EndEscrow(context.Context, Result, error)                            {}

// Step says which escrow, role and round a wallet RPC call belongs to. The
// coordinator puts it in the call's context; middleware reads it with StepFrom.
type Step struct {
	EscrowID string
	Role     escrow.Role
	Round    escrow.Round
	WalletID string
}

type stepKey struct{}

// WithStep returns ctx carrying s.
func WithStep(ctx context.Context, s Step) context.Context {
	return context.WithValue(ctx, stepKey{}, s)
}

// StepFrom returns the Step of a call's context.
func StepFrom(ctx context.Context) (Step, bool) {
	s, ok := ctx.Value(stepKey{}).(Step)
	return s, ok
}
