package jsonfile

import (
	"encoding/binary"
	"fmt"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// escrowCase describes a hand-made escrow trace.
type escrowCase struct {
	escrowID string
	trace    uint64 // distinguishes trace IDs
	start    time.Time
	failed   bool // the final check fails: outcome failed, ERROR_FINAL
}

var (
	testResource = resource.NewSchemaless(attribute.String("service.name", "escrowd"), attribute.String("host.name", "test"))
	testScope    = instrumentation.Scope{Name: "github.com/escrowd/escrowd/pkg/trace", Version: "test"}
	roles        = []string{"buyer", "vendor", "arbiter"}
)

// stubBuilder hands out span IDs and a clock that advances 1 ms a step.
type stubBuilder struct {
	c     escrowCase
	tid   trace.TraceID
	next  uint64
	now   time.Time
	stubs tracetest.SpanStubs
}

func (b *stubBuilder) tick() time.Time {
	b.now = b.now.Add(time.Millisecond)
	return b.now
}

func (b *stubBuilder) ctx() trace.SpanContext {
	b.next++
	var sid trace.SpanID
	binary.BigEndian.PutUint64(sid[:], b.c.trace<<32|b.next)
	return trace.NewSpanContext(trace.SpanContextConfig{TraceID: b.tid, SpanID: sid, TraceFlags: trace.FlagsSampled})
}

func (b *stubBuilder) span(name string, parent trace.SpanContext, kind trace.SpanKind, attrs ...attribute.KeyValue) *tracetest.SpanStub {
	return &tracetest.SpanStub{
		Name: name, SpanContext: b.ctx(), Parent: parent, SpanKind: kind, StartTime: b.tick(),
		Attributes: attrs, Resource: testResource, InstrumentationScope: testScope,
	}
}

// end finishes a stub; stubs are kept in end order, as the SDK exports them.
func (b *stubBuilder) end(s *tracetest.SpanStub) {
	s.EndTime = b.tick()
	b.stubs = append(b.stubs, *s)
}

// rpc records one wallet RPC call of a role; code != 0 makes it fail.
func (b *stubBuilder) rpc(parent trace.SpanContext, role, round int, method string, code int, msg string) {
	attrs := []attribute.KeyValue{
		attribute.String(escrowtrace.AttrEscrowID, b.c.escrowID),
		attribute.String(escrowtrace.AttrEscrowRole, roles[role]),
		attribute.String("rpc.system.name", "jsonrpc"),
		attribute.String(escrowtrace.AttrRPCMethod, method),
		attribute.String(escrowtrace.AttrServerAddress, "127.0.0.1"),
		attribute.Int(escrowtrace.AttrServerPort, 18100+role),
	}
	if round > 0 {
		attrs = append(attrs, attribute.Int(escrowtrace.AttrEscrowRound, round))
	}
	s := b.span("wallet "+method, parent, trace.SpanKindClient, attrs...)
	b.tick()
	if code != 0 {
		s.Attributes = append(s.Attributes,
			attribute.String(escrowtrace.AttrRPCStatusCode, fmt.Sprint(code)),
			attribute.String(escrowtrace.AttrErrorType, fmt.Sprint(code)))
		s.Status = sdktrace.Status{Code: codes.Error, Description: msg}
		s.Events = append(s.Events, sdktrace.Event{Name: "exception", Time: b.now,
			Attributes: []attribute.KeyValue{attribute.String("exception.message", msg)}})
	}
	b.end(s)
}

// snapshot adds a SNAPSHOT_* event for a role to a phase span.
func (b *stubBuilder) snapshot(on *tracetest.SpanStub, point, role, round int) {
	multisig := point > 0
	ready := point >= 5
	addr := fmt.Sprintf("4%s-%s", b.c.escrowID, roles[role])
	if ready {
		addr = "5multisig-" + b.c.escrowID
		if b.c.failed && role == 2 && point == 6 {
			addr = "5other-wallet"
		}
	}
	attrs := []attribute.KeyValue{
		attribute.String(escrowtrace.AttrEscrowRole, roles[role]),
		attribute.Int(escrowtrace.AttrEscrowRound, round),
		attribute.String(escrowtrace.AttrWalletID, fmt.Sprintf("escrow-%s-%s", b.c.escrowID, roles[role])),
		attribute.Bool(escrowtrace.AttrSnapshotIsMultisig, multisig),
		attribute.Bool(escrowtrace.AttrSnapshotReady, ready),
		attribute.Int(escrowtrace.AttrSnapshotBalance, 0),
		attribute.Int(escrowtrace.AttrSnapshotUnlockedBalance, 0),
		attribute.String(escrowtrace.AttrSnapshotAddressHash, escrow.HashAddress(addr)),
		attribute.String(escrowtrace.AttrSnapshotFileMode, "0600"),
	}
	if multisig {
		attrs = append(attrs, attribute.Int(escrowtrace.AttrSnapshotThreshold, 2), attribute.Int(escrowtrace.AttrSnapshotTotal, 3))
	}
	on.Events = append(on.Events, sdktrace.Event{Name: escrow.SetupPoints[point].Name(), Time: b.tick(), Attributes: attrs})
}

// escrowStubs is a whole 2-of-3 setup: a root, a phase span per round and
// one for finalising, 40 wallet RPC spans (the vendor's first open_wallet
// fails with -1 and is retried), 21 snapshot events, and, when c.failed, an
// ERROR_FINAL because the arbiter's final address differs.
func escrowStubs(c escrowCase) tracetest.SpanStubs {
	b := &stubBuilder{c: c, now: c.start.Add(-time.Millisecond)}
	binary.BigEndian.PutUint64(b.tid[:8], 0x4bf92f3577b34da6)
	binary.BigEndian.PutUint64(b.tid[8:], c.trace)
	root := b.span(escrowtrace.SpanNameEscrow, trace.SpanContext{}, trace.SpanKindInternal,
		attribute.String(escrowtrace.AttrEscrowID, c.escrowID), attribute.String(escrowtrace.AttrEscrowMode, "leased"))

	steps := [][]string{
		{"open_wallet", "prepare_multisig", "make_multisig", "store", "is_multisig"},
		{"exchange_multisig_keys", "store", "is_multisig"},
		{"exchange_multisig_keys", "store", "is_multisig"},
	}
	for r, methods := range steps {
		round := r + 1
		phase := b.span(fmt.Sprintf("escrow.round%d", round), root.SpanContext, trace.SpanKindInternal,
			attribute.String(escrowtrace.AttrEscrowID, c.escrowID), attribute.Int(escrowtrace.AttrEscrowRound, round))
		for role := range roles {
			b.snapshot(phase, 2*r, role, round)
			for _, m := range methods {
				if round == 1 && role == 1 && m == "open_wallet" {
					b.rpc(phase.SpanContext, role, round, m, -1, "Failed to open wallet")
				}
				b.rpc(phase.SpanContext, role, round, m, 0, "")
			}
			b.snapshot(phase, 2*r+1, role, round)
		}
		b.end(phase)
	}
	final := b.span("escrow.finalize", root.SpanContext, trace.SpanKindInternal,
		attribute.String(escrowtrace.AttrEscrowID, c.escrowID),
		attribute.String("wallet.password", "hunter2")) // must never reach a file in clear
	for role := range roles {
		b.rpc(final.SpanContext, role, 0, "get_address", 0, "")
		b.rpc(final.SpanContext, role, 0, "close_wallet", 0, "")
		b.snapshot(final, 6, role, 3)
	}
	b.end(final)

	outcome := escrowtrace.OutcomeSuccess
	if c.failed {
		outcome = escrowtrace.OutcomeFailed
		root.Status = sdktrace.Status{Code: codes.Error, Description: "address mismatch"}
		root.Events = append(root.Events, sdktrace.Event{Name: escrowtrace.EventErrorFinal, Time: b.tick(), Attributes: []attribute.KeyValue{
			attribute.String(escrowtrace.AttrEscrowRole, "arbiter"),
			attribute.Int(escrowtrace.AttrEscrowRound, 3),
			attribute.String(escrowtrace.AttrEscrowOperation, "verify_address"),
			attribute.String(escrowtrace.AttrWalletID, fmt.Sprintf("escrow-%s-arbiter", c.escrowID)),
			attribute.String(escrowtrace.AttrErrorMessage, "arbiter: final address differs from buyer's and vendor's"),
		}})
	}
	root.Attributes = append(root.Attributes, attribute.String(escrowtrace.AttrEscrowOutcome, outcome))
	b.end(root)
	return b.stubs
}

// foreignStubs is a trace whose root has no escrow.id (an HTTP request).
func foreignStubs(traceNo uint64, start time.Time) tracetest.SpanStubs {
	b := &stubBuilder{c: escrowCase{trace: traceNo}, now: start}
	binary.BigEndian.PutUint64(b.tid[:8], 0x0af7651916cd43dd)
	binary.BigEndian.PutUint64(b.tid[8:], traceNo)
	root := b.span("POST /escrows", trace.SpanContext{}, trace.SpanKindServer, attribute.String("http.request.method", "POST"))
	child := b.span("validate", root.SpanContext, trace.SpanKindInternal)
	b.end(child)
	b.end(root)
	return b.stubs
}
