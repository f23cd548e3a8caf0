package jaegertest

import (
	"context"
	"crypto/rand"
	"errors"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/google/uuid"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// testService is the service.name of the spans these tests send.
const testService = "jaegertest"

// sentTrace describes what sendEscrowTrace exported.
type sentTrace struct {
	traceID  string
	escrowID string
	spans    int
}

// escrowIDs gives the root span the escrow's trace ID, as escrowd does: the
// escrow ID is a UUID and its 16 bytes are the trace ID.
type escrowIDs struct {
	traceID trace.TraceID
}

func (g escrowIDs) NewIDs(context.Context) (trace.TraceID, trace.SpanID) {
	return g.traceID, newSpanID()
}

func (g escrowIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

func newSpanID() trace.SpanID {
	var id trace.SpanID
	for id == (trace.SpanID{}) {
		_, _ = rand.Read(id[:]) // never fails (crypto/rand)
	}
	return id
}

// sendEscrowTrace exports, through OTLP/gRPC to j, a small trace shaped like
// an escrow's: a root span, one wallet RPC span that succeeds with a snapshot
// event, and one that fails with a JSON-RPC error. escrowID is a UUID.
func sendEscrowTrace(t *testing.T, j *Jaeger, escrowID string) sentTrace {
	t.Helper()
	uid, err := uuid.Parse(escrowID)
	if err != nil {
		t.Fatalf("escrow ID %q: %v", escrowID, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(j.OTLPEndpoint()), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatalf("otlptracegrpc: %v", err)
	}
	res := resource.NewSchemaless(attribute.String("service.name", testService), attribute.String("service.version", "test"))
	// A batcher as in escrowd; Shutdown flushes it, so the trace is complete
	// in Jaeger 1-4 ms after Shutdown returns.
	tp := sdktrace.NewTracerProvider(
		sdktrace.WithBatcher(exp),
		sdktrace.WithResource(res),
		sdktrace.WithIDGenerator(escrowIDs{traceID: trace.TraceID(uid)}),
	)
	tracer := tp.Tracer("github.com/escrowd/escrowd/internal/jaegertest")

	ctx, root := tracer.Start(ctx, escrowtrace.SpanNameEscrow, trace.WithAttributes(
		attribute.String(escrowtrace.AttrEscrowID, escrowID),
		attribute.String(escrowtrace.AttrEscrowMode, "leased"),
	))
	rpc := func(method string, round int) trace.Span {
		_, s := tracer.Start(ctx, method, trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("rpc.system.name", "jsonrpc"),
			attribute.String(escrowtrace.AttrRPCMethod, method),
			attribute.String(escrowtrace.AttrServerAddress, "127.0.0.1"),
			attribute.Int(escrowtrace.AttrServerPort, 18083),
			attribute.String(escrowtrace.AttrEscrowID, escrowID),
			attribute.String(escrowtrace.AttrEscrowRole, "buyer"),
			attribute.Int(escrowtrace.AttrEscrowRound, round),
		))
		return s
	}

	s := rpc("make_multisig", 1)
	s.AddEvent(escrowtrace.EventSnapshotPreRound1, trace.WithAttributes(
		attribute.String(escrowtrace.AttrEscrowRole, "buyer"),
		attribute.Bool(escrowtrace.AttrSnapshotIsMultisig, false),
		attribute.Bool(escrowtrace.AttrSnapshotReady, false),
		attribute.Int(escrowtrace.AttrSnapshotThreshold, 0),
		attribute.Int(escrowtrace.AttrSnapshotTotal, 0),
		attribute.Int64(escrowtrace.AttrSnapshotBalance, 0),
		attribute.String(escrowtrace.AttrSnapshotAddressHash, "sha256:5d41402abc4b2a76"),
		attribute.String(escrowtrace.AttrSnapshotFileMode, "0600"),
	))
	s.End()

	s = rpc("exchange_multisig_keys", 2)
	s.SetAttributes(
		attribute.Int(escrowtrace.AttrRPCStatusCode, -1),
		attribute.String(escrowtrace.AttrErrorType, "-1"),
	)
	s.RecordError(errors.New("Messages don't have the expected kex round number."))
	s.SetStatus(codes.Error, "wallet rpc error -1")
	s.End()

	root.SetAttributes(attribute.String(escrowtrace.AttrEscrowOutcome, escrowtrace.OutcomeFailed))
	root.SetStatus(codes.Error, "round 2 failed")
	root.End()

	if err := tp.Shutdown(ctx); err != nil {
		t.Fatalf("tracer provider shutdown: %v", err)
	}
	return sentTrace{traceID: root.SpanContext().TraceID().String(), escrowID: escrowID, spans: 3}
}
