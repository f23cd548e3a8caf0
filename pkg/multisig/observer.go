package multisig

import (
	"context"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Phase is a stage of a lifecycle phase that an Observer may show as a
// span: one of the setup's stages below, or a payout's step (the Name of a
// step of escrow.PayoutSteps, e.g. "sign").
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
	// Chain is set for the snapshots of the phases after the setup (funding
	// and payouts), which also read MultisigImportNeeded and Height.
	Chain                bool
	MultisigImportNeeded bool
	Height               uint64 // the wallet's chain height
	// Err is set when a part of the snapshot could not be read.
	Err error
}

// SnapshotSource reads a role's snapshot. It costs wallet RPC calls, so an
// Observer calls it only when it records.
type SnapshotSource interface {
	ReadSnapshot(ctx context.Context) Snapshot
}

// Observer is told what an escrow's lifecycle does, one phase at a time:
// the setup (Coordinator.Run) and the later phases (Payer.Funded when it
// finds the escrow funded, Payer.Pay and Payer.Resume). Each phase starts with
// StartEscrow (e.Phase says which; empty is the setup) and ends with
// EndEscrow; its stages (the setup's, or the payout's steps) are StartPhase
// and EndPhase within it, and its snapshot points are Snapshot calls.
//
// The coordinator and the payer call it from the phase's goroutine and, for
// Snapshot, from each role's goroutine at once. Implementations must be cheap
// when they don't record: package trace's is a few nanoseconds per call with
// tracing off, and it reads a SnapshotSource only when it records.
type Observer interface {
	// StartEscrow is called first in each phase; the returned context is
	// used for the rest of it. mode is the coordinator's for the setup;
	// ModeLeased or ModeNaive for the later phases.
	StartEscrow(ctx context.Context, e Escrow, mode Mode) context.Context
	// StartPhase starts a stage; the returned context is used within it and
	// passed to EndPhase.
	StartPhase(ctx context.Context, p Phase) context.Context
	EndPhase(ctx context.Context, err error)
	// Snapshot is called at each snapshot point for each role: the setup's
	// seven, escrow.PointFunded and the payout points (escrow.PayoutPoints).
	Snapshot(ctx context.Context, point escrow.Point, role escrow.Role, src SnapshotSource)
	// EndEscrow is called last in each phase, with its error (often a
	// *StepError in the setup, a *PayoutError later). res is the setup's
	// result; in a later phase it names only the escrow's wallets.
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
