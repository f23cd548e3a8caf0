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

func (o *observer) StartEscrow(ctx context.Context, e multisig.Escrow, mode multisig.Mode) context.Context {
	opts := []trace.SpanStartOption{
		trace.WithNewRoot(),
		trace.WithSpanKind(trace.SpanKindInternal),
		trace.WithAttributes(
			attribute.String(escrowtrace.AttrEscrowID, e.ID),
			attribute.String(escrowtrace.AttrEscrowMode, string(mode)),
		),
	}
	if l, ok := linkFrom(ctx); ok {
		opts = append(opts, trace.WithLinks(l))
	}
	ctx, span := o.tracer.Start(withEscrowID(ctx, e.ID), escrowtrace.SpanNameEscrow, opts...)
	o.logger.Info("escrow trace started", "escrow_id", e.ID, "trace_id", span.SpanContext().TraceID().String(), "mode", string(mode))
	return ctx
}

func (o *observer) StartPhase(ctx context.Context, p multisig.Phase) context.Context {
	var attrs []attribute.KeyValue
	if r := p.Round(); r != 0 {
		attrs = append(attrs, attribute.Int(escrowtrace.AttrEscrowRound, int(r)))
	}
	ctx, _ = o.tracer.Start(ctx, SpanNamePhasePrefix+string(p), trace.WithAttributes(attrs...))
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
	attrs := []attribute.KeyValue{
		attribute.String(escrowtrace.AttrEscrowRole, string(role)),
		attribute.Int(escrowtrace.AttrEscrowRound, int(point.Round())),
		attribute.String(escrowtrace.AttrWalletID, s.WalletID),
		attribute.Bool(escrowtrace.AttrSnapshotIsMultisig, s.IsMultisig),
		attribute.Bool(escrowtrace.AttrSnapshotReady, s.Ready),
		attribute.Int(escrowtrace.AttrSnapshotThreshold, s.Threshold),
		attribute.Int(escrowtrace.AttrSnapshotTotal, s.Total),
		attribute.Int64(escrowtrace.AttrSnapshotBalance, clampInt64(s.Balance)),
		attribute.Int64(escrowtrace.AttrSnapshotUnlockedBalance, clampInt64(s.UnlockedBalance)),
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
	if errors.As(err, &se) {
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
