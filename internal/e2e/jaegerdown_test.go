package e2e

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.opentelemetry.io/otel/attribute"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/trace"
)

// exportFailedLog is the message of escrowd's rate-limited export error log.
const exportFailedLog = "trace export failed"

// shutdownDeadline is the short deadline Shutdown gets with Jaeger down, and
// shutdownGuard how long the test waits for it to return before calling the
// deadline ignored: a guard against a hang, not a timing measurement.
const (
	shutdownDeadline = 2 * time.Second
	shutdownGuard    = time.Minute
)

// shutdownReturns calls p.Shutdown with a short deadline and fails the test
// if it does not come back. Its error (the export that could not finish) is
// expected and only logged.
func shutdownReturns(t *testing.T, p *trace.Provider) {
	t.Helper()
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), shutdownDeadline)
		defer cancel()
		done <- p.Shutdown(ctx)
	}()
	select {
	case err := <-done:
		t.Logf("Shutdown (deadline %v) returned: %v", shutdownDeadline, err)
	case <-time.After(shutdownGuard):
		t.Fatalf("Shutdown with a %v deadline had not returned after %v", shutdownDeadline, shutdownGuard)
	}
}

// TestEscrowCompletesWithJaegerDown: with the OTLP endpoint refused or
// blackholed, a real escrow completes, its file is written in full before
// Shutdown, Shutdown keeps a short deadline, and the export errors are not
// logged once per span.
func TestEscrowCompletesWithJaegerDown(t *testing.T) {
	skipShort(t)
	servers := wallettest.Start(t, 3).Servers()
	for _, tc := range []struct {
		name     string
		endpoint func(*testing.T) string
	}{
		{"closed port", closedEndpoint},
		{"blackholed port", blackholedEndpoint},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			var logs logBuffer
			p := setupTracing(t, trace.Config{
				Enabled: true, File: true, FileDir: dir, IncludeOTLP: true,
				OTLP: true, OTLPEndpoint: tc.endpoint(t),
				Logger: slog.New(slog.NewTextHandler(&logs, nil)),
			})
			errs := installGlobal(t, p, time.Minute)

			ctx, cancel := context.WithTimeout(context.Background(), escrowTimeout)
			defer cancel()
			id := uuid.NewString()
			if _, err := leased(t, p, servers).Run(ctx, multisig.Escrow{ID: id}); err != nil {
				t.Fatalf("escrow with Jaeger down: %v", err)
			}

			// The file exporter does not wait for the OTLP path: the file is
			// complete as soon as the escrow ends, before any flush.
			f := readEscrowFile(t, dir, id)
			n := escrowtracetest.CountTypes(f)
			if f.Outcome != escrowtrace.OutcomeSuccess || n[escrowtrace.EventRPCCallStart] != 36 || escrowtracetest.SetupSnapshots(n) != 21 {
				t.Fatalf("file: outcome %s, events %v; want success, 36 calls, 21 snapshots", f.Outcome, n)
			}
			fromOTLP, err := analysis.ParseOTLPSection(f)
			if err != nil {
				t.Fatal(err)
			}
			if d := sameTimeline(f, fromOTLP); d != "" {
				t.Errorf("the otlp section's timeline differs from the file's: %s", d)
			}

			shutdownReturns(t, p)
			// The count may include late failures of the previous subtest's
			// exporter (its export outlives its Shutdown deadline, and the
			// error handler is global): more errors, still few lines.
			lines := strings.Count(logs.String(), exportFailedLog)
			t.Logf("export errors reported %d, logged %d; last: %v", errs.count(), lines, errs.last.Load())
			if lines > 2 {
				t.Errorf("%q logged %d times in one escrow (%d errors); want at most 2:\n%s", exportFailedLog, lines, errs.count(), logs.String())
			}
		})
	}
}

// TestExportErrorLogRateLimited: many failed exports in a row give one log
// line, not one per failure or per span.
func TestExportErrorLogRateLimited(t *testing.T) {
	skipShort(t)
	// Each export gives up after 50 ms instead of retrying for 10 s, so that
	// the test sees many failures quickly.
	t.Setenv("OTEL_EXPORTER_OTLP_TRACES_TIMEOUT", "50")
	var logs logBuffer
	p := setupTracing(t, trace.Config{
		Enabled: true, OTLP: true, OTLPEndpoint: closedEndpoint(t),
		Logger: slog.New(slog.NewTextHandler(&logs, nil)),
	})
	errs := installGlobal(t, p, time.Hour)
	tracer := p.TracerProvider().Tracer("github.com/escrowd/escrowd/internal/e2e")

	// A full batch (512 spans, the SDK's default) is exported at once and its
	// failure reported; ForceFlush returns once the batch has been taken, so
	// every round is one failed export and no span is dropped.
	const rounds, batch = 20, 512
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	for range rounds {
		for range batch {
			_, span := tracer.Start(ctx, "synthetic")
			span.End()
		}
		if err := p.ForceFlush(ctx); err != nil {
			t.Fatalf("ForceFlush: %v", err) // the batch went at its 512th span: nothing left to fail
		}
	}
	shutdownReturns(t, p)

	lines := strings.Count(logs.String(), exportFailedLog)
	t.Logf("%d spans, %d export errors reported, %d logged", rounds*batch, errs.count(), lines)
	if errs.count() < rounds {
		t.Fatalf("only %d export errors reported for %d failed batches: the test proves nothing", errs.count(), rounds)
	}
	if lines < 1 || lines > 2 {
		t.Errorf("%q logged %d times for %d errors; want 1 (at most 2):\n%s", exportFailedLog, lines, errs.count(), logs.String())
	}
}

// TestBlackholedExporterMemoryBounded: spans sent towards a collector that
// hangs are dropped once the batch processor's queue is full; the heap does
// not grow with their number.
func TestBlackholedExporterMemoryBounded(t *testing.T) {
	skipShort(t)
	p := setupTracing(t, trace.Config{Enabled: true, OTLP: true, OTLPEndpoint: blackholedEndpoint(t)})
	tracer := p.TracerProvider().Tracer("github.com/escrowd/escrowd/internal/e2e")

	// 40 000 spans with 2 KiB of their own each: about 100 MiB if kept. The
	// queue (2048) and one batch (512) hold ~6 MiB of them.
	const spans, payload = 40000, 2048
	const bound = 32 << 20
	before := heapAfterGC()
	buf := []byte(strings.Repeat("x", payload))
	for i := range spans {
		// A fresh string per span: a shared one would cost nothing to keep.
		copy(buf, fmt.Sprintf("%08d", i))
		_, span := tracer.Start(context.Background(), "synthetic",
			oteltrace.WithAttributes(attribute.String("payload", string(buf))))
		span.End()
	}
	after := heapAfterGC()
	growth := int64(after) - int64(before)
	t.Logf("heap %d -> %d bytes (+%.1f MiB) after %d spans of %d B towards a blackhole", before, after, float64(growth)/(1<<20), spans, payload)
	if growth > bound {
		t.Errorf("heap grew by %.1f MiB for %d spans towards a blackhole; want under %d MiB (spans kept instead of dropped?)",
			float64(growth)/(1<<20), spans, bound>>20)
	}
	shutdownReturns(t, p)
}

func heapAfterGC() uint64 {
	runtime.GC()
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}
