package reliability_test

import (
	"context"
	"errors"
	"net"
	"path/filepath"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
	"github.com/escrowd/escrowd/pkg/trace"
)

// The flood: spans that cannot be sent, and what they may cost the heap.
const (
	floodSpans  = 50_000
	floodBudget = 16 << 20
)

// heapInUse is the live heap after a collection.
func heapInUse() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapInuse
}

// blackhole accepts TCP connections and never answers: a collector behind a
// firewall that drops, or a hung one.
func blackhole(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var conns []net.Conn
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		l.Close()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			c.Close()
		}
	})
	return l.Addr().String()
}

// closedPort is a loopback address nothing listens on: a collector that is down.
func closedPort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	return addr
}

// TestCollectorDownOrBlackholed: with the OTLP collector down or
// blackholed, escrows complete and their files are written; the OTLP path's
// bounded queue only drops, and shutdown gives up at its deadline.
func TestCollectorDownOrBlackholed(t *testing.T) {
	needServers(t)
	for _, tc := range []struct {
		name string
		addr func(*testing.T) string
	}{
		{"down", closedPort},
		{"blackholed", blackhole},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "traces")
			var logs logBuffer
			cfg := trace.Config{Enabled: true, File: true, FileDir: dir, OTLP: true, OTLPEndpoint: "http://" + tc.addr(t), Logger: logs.logger()}
			p, err := trace.Setup(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			installGlobal(t, p)
			ids := runEscrows(t, p, 1)
			f, _ := escrowtracetest.ReadFile(t, dir, ids[0])
			if f.Outcome != escrowtrace.OutcomeSuccess {
				t.Fatalf("outcome %s", f.Outcome)
			}

			// A flood of spans that cannot be sent: the OTLP queue is bounded
			// (2048 spans) and drops the rest, so the heap stays flat. Kept,
			// 50 000 spans would take tens of MiB.
			before := heapInUse()
			tracer := p.TracerProvider().Tracer("reliability-flood")
			for range floodSpans {
				_, span := tracer.Start(context.Background(), "flood")
				span.End()
			}
			grown := int64(heapInUse()) - int64(before)
			if grown > floodBudget {
				t.Fatalf("heap grew %d KiB over %d unsendable spans, want under %d KiB", grown>>10, floodSpans, floodBudget>>10)
			}

			// Shutting down must not wait for the collector beyond its deadline.
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
			defer cancel()
			err = p.Shutdown(ctx)
			if err != nil && !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("shutdown: %v, want nil or the deadline", err)
			}
			t.Logf("%s collector: escrow ok, file written; %d spans flooded, heap %+d KiB; shutdown: %v; export errors logged: %d",
				tc.name, floodSpans, grown>>10, err, logs.count(msgExportFailed))
		})
	}
}
