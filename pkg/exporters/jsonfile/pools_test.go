package jsonfile

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
)

// requestSpan is an HTTP server span of trace tid. With remote set its
// parent came in a traceparent header; without, it is the child of a local
// span whose root never arrives (traffic that only waits in the buffer).
func requestSpan(tid trace.TraceID, n uint64, remote bool) sdktrace.ReadOnlySpan {
	var sid, psid trace.SpanID
	binary.BigEndian.PutUint64(sid[:], (n+1)<<1|1)
	binary.BigEndian.PutUint64(psid[:], (n+1)<<1)
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: psid, TraceFlags: trace.FlagsSampled, Remote: remote})
	stub := tracetest.SpanStub{
		Name:        "GET /api/escrow/:id",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: sid, TraceFlags: trace.FlagsSampled}),
		Parent:      parent, SpanKind: trace.SpanKindServer,
		StartTime: t0, EndTime: t0.Add(time.Millisecond),
		Attributes: []attribute.KeyValue{attribute.String("http.request.method", "GET")},
		Resource:   testResource, InstrumentationScope: testScope,
	}
	return stub.Snapshot()
}

func randomTraceID(n uint64) trace.TraceID {
	var tid trace.TraceID
	binary.BigEndian.PutUint64(tid[:8], 0x7e57f100d0000000)
	binary.BigEndian.PutUint64(tid[8:], n)
	return tid
}

// Other traffic cannot push a running escrow's spans out: the escrow waits
// in a pool of its own. The flood is ten times the bound, with local
// parents (the remote ones are not even kept, see below).
func TestFloodDoesNotEvictRunningEscrow(t *testing.T) {
	const maxTraces = 16
	for _, remote := range []bool{false, true} {
		name := "local parents"
		if remote {
			name = "remote parents"
		}
		t.Run(name, func(t *testing.T) {
			e, _ := newTestExporter(t, Config{MaxTraces: maxTraces})
			spans := escrowStubs(escrowCase{escrowID: "flooded", trace: 40, start: t0}).Snapshots()
			last := len(spans) - 1
			if err := e.ExportSpans(context.Background(), spans[:last]); err != nil {
				t.Fatal(err)
			}
			for i := range uint64(10 * maxTraces) {
				if err := e.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{requestSpan(randomTraceID(i), i, remote)}); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.ExportSpans(context.Background(), spans[last:]); err != nil {
				t.Fatal(err)
			}
			f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "flooded")
			if f.Outcome != escrowtrace.OutcomeSuccess || len(f.Events) != 2*40+21 {
				t.Errorf("after the flood: outcome %s, %d events, want success and %d", f.Outcome, len(f.Events), 2*40+21)
			}
			s := e.Stats()
			switch {
			case remote && (s.RemoteParentSpans != 10*maxTraces || s.DroppedTraces != 0):
				t.Errorf("stats = %+v, want every flood span refused as remote, nothing dropped", s)
			case !remote && s.DroppedTraces != 10*maxTraces-maxTraces:
				t.Errorf("stats = %+v, want %d request traces dropped among themselves", s, 10*maxTraces-maxTraces)
			}
		})
	}
}

// Escrows still evict escrows beyond the bound (TestMaxTraces), and a trace
// whose first spans had no escrow.id moves to the escrows' pool when one
// arrives.
func TestTraceJoinsEscrowPool(t *testing.T) {
	e, _ := newTestExporter(t, Config{MaxTraces: 2})
	spans := escrowStubs(escrowCase{escrowID: "joins", trace: 41, start: t0}).Snapshots()
	tid := spans[0].SpanContext().TraceID()
	// A span of the escrow's trace without escrow.id first.
	if err := e.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{requestSpan(tid, 900, false)}); err != nil {
		t.Fatal(err)
	}
	last := len(spans) - 1
	if err := e.ExportSpans(context.Background(), spans[:last]); err != nil {
		t.Fatal(err)
	}
	for i := range uint64(10) {
		if err := e.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{requestSpan(randomTraceID(i), i, false)}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.ExportSpans(context.Background(), spans[last:]); err != nil {
		t.Fatal(err)
	}
	f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "joins")
	if f.Outcome != escrowtrace.OutcomeSuccess {
		t.Errorf("outcome %s", f.Outcome)
	}
}

// A span that names a finished escrow's trace as its remote parent (a
// request with that traceparent) never rewrites the escrow's file.
func TestRemoteParentNeverRewrites(t *testing.T) {
	e, _ := newTestExporter(t, Config{})
	spans := escrowStubs(escrowCase{escrowID: "done", trace: 42, start: t0}).Snapshots()
	if err := e.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(e.cfg.Dir, "escrow_done.json")
	before, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi1, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	tid := spans[0].SpanContext().TraceID()
	if err := e.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{requestSpan(tid, 7, true)}); err != nil {
		t.Fatal(err)
	}
	if err := e.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	after, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi2, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) || !os.SameFile(fi1, fi2) {
		t.Error("the escrow's file was rewritten by a span with a remote parent")
	}
	if s := e.Stats(); s.FilesWritten != 1 || s.RemoteParentSpans != 1 {
		t.Errorf("stats = %+v", s)
	}
}

// With a hung disk (the writer blocks), the ExportSpans call that ends an
// escrow's root returns after MaxFileWait with an error, and so do the ones
// that find the queue full; the files are written once the disk moves.
func TestHungDiskBoundsWait(t *testing.T) {
	e, _ := newTestExporter(t, Config{MaxFileWait: 50 * time.Millisecond})
	release := make(chan struct{})
	e.beforeBatch = func() { <-release }
	released := false
	defer func() {
		if !released {
			close(release)
		}
	}()

	// More escrows than the writer's queue holds, each from its own
	// goroutine-free call: every one must come back.
	const n = writeQueueLen + 8
	for i := range n {
		spans := escrowStubs(escrowCase{escrowID: "hung-" + string(rune('a'+i%26)) + string(rune('a'+i/26)), trace: uint64(100 + i), start: t0}).Snapshots()
		done := make(chan error, 1)
		go func() { done <- e.ExportSpans(context.Background(), spans) }()
		select {
		case err := <-done:
			if !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("escrow %d: ExportSpans = %v, want a deadline error", i, err)
			}
		case <-time.After(time.Minute):
			t.Fatalf("escrow %d: ExportSpans still waiting for a hung disk after a minute", i)
		}
	}
	close(release)
	released = true
	if err := e.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, e.cfg.Dir); len(names) != n {
		t.Errorf("%d files after the disk came back, want %d", len(names), n)
	}
}
