package trace

import (
	"context"
	"errors"
	"log/slog"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// observer turns the coordinator's hooks into the escrow's spans and events:
// a root span per escrow, a span per phase, a span event per snapshot.
type observer struct {
	tracer trace.Tracer
	logger *slog.Logger
}

// StartEscrow starts the root span of one lifecycle phase of the escrow: its
// trace ID is the escrow's (every phase is a root of the same trace), it
// links to the request span LinkRequest put in ctx, and a phase after the
// setup carries escrow.phase (on the root, and through ctx on its stage
// and RPC spans). The setup's root is as it always was.
func (o *observer) StartEscrow(ctx context.Context, e multisig.Escrow, mode multisig.Mode) context.Context {
	phase := e.Phase.Of()
	attrs := []attribute.KeyValue{
		attribute.String(escrowtrace.AttrEscrowID, e.ID),
		attribute.String(escrowtrace.AttrEscrowMode, string(mode)),
	}
	name := escrowtrace.SpanNameEscrow
	if phase != escrow.PhaseSetup {
		name = SpanNamePhasePrefix + string(phase)
		attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowPhase, string(phase)))
		ctx = withPhase(ctx, phase)
	}
	opts := []trace.SpanStartOption{
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(attrs...),
	}
	if l, ok := linkFrom(ctx); ok {
		opts = append(opts, trace.WithLinks(l))
	}
	ctx, span := o.tracer.Start(withEscrowID(ctx, e.ID), name, opts...)
	if phase == escrow.PhaseSetup {
		o.logger.Info("escrow trace started", "escrow_id", e.ID, "trace_id", span.SpanContext().TraceID().String(), "mode", string(mode))
	} else {
		o.logger.Info("escrow phase started", "escrow_id", e.ID, "phase", string(phase), "trace_id", span.SpanContext().TraceID().String(), "mode", string(mode))
	}
	return ctx
}

// StartPhase starts a stage span: one of the setup's, or a payout step of a
// later phase (named after its phase, e.g. "escrow.release.sign").
func (o *observer) StartPhase(ctx context.Context, p multisig.Phase) context.Context {
	var attrs []attribute.KeyValue
	if r := p.Round(); r != 0 {
		attrs = append(attrs, attribute.Int(escrowtrace.AttrEscrowRound, int(r)))
	}
	name := SpanNamePhasePrefix + string(p)
	if phase, ok := phaseFrom(ctx); ok {
		name = SpanNamePhasePrefix + string(phase) + "." + string(p)
		attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowPhase, string(phase)))
	}
	ctx, _ = o.tracer.Start(ctx, name, trace.WithAttributes(attrs...))
	return ctx
}

func (o *observer) EndPhase(ctx context.Context, err error) {
	span := trace.SpanFromContext(ctx)
	if err != nil {
		span.SetStatus(codes.Error, err.Error())
	}
	span.End()
}

func (o *observer) Snapshot(ctx context.Context, point escrow.Point, role escrow.Role, src multisig.SnapshotSource) {
	span := trace.SpanFromContext(ctx)
	if !span.IsRecording() {
		return // reading a snapshot costs wallet calls: only when it is kept
	}
	s := src.ReadSnapshot(ctx)
	attrs := make([]attribute.KeyValue, 0, 16)
	attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowRole, string(role)))
	if r := point.Round(); r != 0 {
		attrs = append(attrs, attribute.Int(escrowtrace.AttrEscrowRound, int(r)))
	}
	attrs = append(attrs,
		attribute.String(escrowtrace.AttrWalletID, s.WalletID),
		attribute.Bool(escrowtrace.AttrSnapshotIsMultisig, s.IsMultisig),
		attribute.Bool(escrowtrace.AttrSnapshotReady, s.Ready),
		attribute.Int(escrowtrace.AttrSnapshotThreshold, s.Threshold),
		attribute.Int(escrowtrace.AttrSnapshotTotal, s.Total),
		attribute.Int64(escrowtrace.AttrSnapshotBalance, clampInt64(s.Balance)),
		attribute.Int64(escrowtrace.AttrSnapshotUnlockedBalance, clampInt64(s.UnlockedBalance)),
	)
	if s.Chain {
		attrs = append(attrs,
			attribute.Bool(escrowtrace.AttrSnapshotImportNeeded, s.MultisigImportNeeded),
			attribute.Int64(escrowtrace.AttrSnapshotHeight, clampInt64(s.Height)))
	}
	if s.AddressHash != "" {
		attrs = append(attrs, attribute.String(escrowtrace.AttrSnapshotAddressHash, s.AddressHash))
	}
	if s.FileMode != "" {
		attrs = append(attrs, attribute.String(escrowtrace.AttrSnapshotFileMode, s.FileMode))
	}
	if s.Err != nil {
		attrs = append(attrs, attribute.String(escrowtrace.AttrSnapshotError, s.Err.Error()))
	}
	span.AddEvent(point.Name(), trace.WithAttributes(attrs...))
}

func (o *observer) EndEscrow(ctx context.Context, res multisig.Result, err error) {
	span := trace.SpanFromContext(ctx)
	if err == nil {
		span.SetAttributes(attribute.String(escrowtrace.AttrEscrowOutcome, escrowtrace.OutcomeSuccess))
		if res.Address != "" {
			span.SetAttributes(attribute.String(AttrEscrowAddressHash, escrow.HashAddress(res.Address)))
		}
		span.End()
		return
	}
	kind := multisig.KindOf(err)
	attrs := []attribute.KeyValue{
		attribute.String(escrowtrace.AttrErrorMessage, err.Error()),
		attribute.String(AttrEscrowErrorKind, string(kind)),
		semconv.ErrorTypeKey.String(errorType(err, kind)),
	}
	var se *multisig.StepError
	var pe *multisig.PayoutError
	switch {
	case errors.As(err, &pe):
		// A later phase's context: phase, operation, role, wallet, escrow.
		attrs = append(attrs,
			attribute.String(escrowtrace.AttrEscrowID, pe.EscrowID),
			attribute.String(escrowtrace.AttrEscrowPhase, string(pe.Phase)),
			attribute.String(escrowtrace.AttrEscrowOperation, pe.Operation))
		if pe.Role != "" {
			attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowRole, string(pe.Role)))
			if w := res.Wallets[pe.Role]; w != "" {
				attrs = append(attrs, attribute.String(escrowtrace.AttrWalletID, w))
			}
		}
	case errors.As(err, &se):
		attrs = append(attrs,
			attribute.String(escrowtrace.AttrEscrowID, se.EscrowID),
			attribute.String(escrowtrace.AttrEscrowOperation, se.Operation))
		if se.Role != "" {
			attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowRole, string(se.Role)))
		}
		if se.Round != 0 {
			attrs = append(attrs, attribute.Int(escrowtrace.AttrEscrowRound, int(se.Round)))
		}
		if se.WalletID != "" {
			attrs = append(attrs, attribute.String(escrowtrace.AttrWalletID, se.WalletID))
		}
	}
	span.AddEvent(escrowtrace.EventErrorFinal, trace.WithAttributes(attrs...))
	span.SetAttributes(attribute.String(escrowtrace.AttrEscrowOutcome, escrowtrace.OutcomeFailed))
	span.SetStatus(codes.Error, err.Error())
	span.End()
}

func clampInt64(v uint64) int64 {
	if v > 1<<63-1 {
		return 1<<63 - 1
	}
	return int64(v)
}
