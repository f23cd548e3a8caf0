package metrics

import (
	"context"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// EscrowEnded records a phase of an escrow that ended after d: one count by
// phase, mode, outcome and failure kind (err's; none when err is nil), and d
// in the setup or the payout duration histogram. The setup is recorded by
// the Observer; payouts are recorded by their caller.
func (r *Recorder) EscrowEnded(ctx context.Context, phase escrow.Phase, mode multisig.Mode, d time.Duration, err error) {
	if !r.Enabled() {
		return
	}
	outcome := escrowtrace.OutcomeSuccess
	if err != nil {
		outcome = escrowtrace.OutcomeFailed
	}
	set := metric.WithAttributeSet(attribute.NewSet(
		attribute.String(AttrPhase, string(phase)),
		attribute.String(AttrMode, string(mode)),
		attribute.String(AttrOutcome, outcome),
		attribute.String(AttrErrorKind, string(kindOf(err))),
	))
	r.escrows.Add(ctx, 1, set)
	switch {
	case phase == escrow.PhaseSetup:
		r.setup.Record(ctx, d.Seconds(), set)
	case phase.IsPayout():
		r.payout.Record(ctx, d.Seconds(), set)
	}
}

// LeaseWaited records how long an escrow waited for its wallet servers.
func (r *Recorder) LeaseWaited(ctx context.Context, mode multisig.Mode, d time.Duration) {
	if !r.Enabled() {
		return
	}
	r.leaseWait.Record(ctx, d.Seconds(), metric.WithAttributes(attribute.String(AttrMode, string(mode))))
}

// Observer wraps next (the tracing observer, or nil) so that the
// coordinator's hooks also record the setup's outcome and duration and the
// wait for servers (from the escrow's start to its first phase, which
// begins once the servers are leased). With metrics off it returns next
// itself: nothing is added.
func (r *Recorder) Observer(next multisig.Observer) multisig.Observer {
	if !r.Enabled() {
		return next
	}
	if next == nil {
		next = nopObserver{}
	}
	return &observer{r: r, next: next}
}

type observer struct {
	r    *Recorder
	next multisig.Observer
}

// escrowRun is what the observer keeps in an escrow's context.
type escrowRun struct {
	mode  multisig.Mode
	start time.Time
}

type runKey struct{}

func (o *observer) StartEscrow(ctx context.Context, e multisig.Escrow, mode multisig.Mode) context.Context {
	ctx = o.next.StartEscrow(ctx, e, mode)
	if e.Phase.Of() != escrow.PhaseSetup {
		// A later phase (the payer's): recorded by its caller, not here.
		return context.WithValue(ctx, runKey{}, (*escrowRun)(nil))
	}
	return context.WithValue(ctx, runKey{}, &escrowRun{mode: mode, start: time.Now()})
}

func (o *observer) StartPhase(ctx context.Context, p multisig.Phase) context.Context {
	if run, ok := ctx.Value(runKey{}).(*escrowRun); ok && run != nil && p == multisig.PhaseCreateWallets && run.mode != multisig.ModeShared {
		o.r.LeaseWaited(ctx, run.mode, time.Since(run.start))
	}
	return o.next.StartPhase(ctx, p)
}

func (o *observer) EndPhase(ctx context.Context, err error) { o.next.EndPhase(ctx, err) }

func (o *observer) Snapshot(ctx context.Context, point escrow.Point, role escrow.Role, src multisig.SnapshotSource) {
	o.next.Snapshot(ctx, point, role, src)
}

func (o *observer) EndEscrow(ctx context.Context, res multisig.Result, err error) {
	if run, ok := ctx.Value(runKey{}).(*escrowRun); ok && run != nil {
		o.r.EscrowEnded(ctx, escrow.PhaseSetup, run.mode, time.Since(run.start), err)
	}
	o.next.EndEscrow(ctx, res, err)
}

type nopObserver struct{}

func (nopObserver) StartEscrow(ctx context.Context, _ multisig.Escrow, _ multisig.Mode) context.Context {
	return ctx
}
func (nopObserver) StartPhase(ctx context.Context, _ multisig.Phase) context.Context { return ctx }
func (nopObserver) EndPhase(context.Context, error)                                  {}
func (nopObserver) Snapshot(context.Context, escrow.Point, escrow.Role, multisig.SnapshotSource) {
}
func (nopObserver) EndEscrow(context.Context, multisig.Result, error) {}
