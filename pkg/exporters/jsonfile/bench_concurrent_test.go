package jsonfile

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"testing"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// BenchmarkConcurrentEscrows is escrowd's case: escrows running at once,
// each ending its spans one by one on its own goroutine (as escrowd's tracing
// feeds the file exporter), each escrow its own file, and each root's
// ExportSpans waiting until that file is durable (WaitForFiles). stdouttrace
// gets the same calls. spans/s is the figure to compare.
func BenchmarkConcurrentEscrows(b *testing.B) {
	const workers = 8
	cases := []struct {
		name string
		make func(b *testing.B, dir string) sdktrace.SpanExporter
	}{
		{"jsonfile-wait", func(b *testing.B, dir string) sdktrace.SpanExporter {
			e, err := New(Config{Dir: dir, WaitForFiles: true, Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			return e
		}},
		{"stdouttrace", func(b *testing.B, dir string) sdktrace.SpanExporter {
			f, err := os.Create(filepath.Join(dir, "stdout.json"))
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = f.Close() })
			e, err := stdouttrace.New(stdouttrace.WithWriter(f))
			if err != nil {
				b.Fatal(err)
			}
			return e
		}},
	}
	for _, ec := range cases {
		b.Run(fmt.Sprintf("%s/%d-at-once", ec.name, workers), func(b *testing.B) {
			exp := ec.make(b, b.TempDir())
			ctx := context.Background()
			escrows := make([][]sdktrace.ReadOnlySpan, b.N)
			for i := range escrows {
				escrows[i] = escrowStubs(escrowCase{escrowID: fmt.Sprintf("bench-%d", i), trace: uint64(i + 1), start: t0}).Snapshots()
			}
			spansPer := len(escrows[0])
			b.ReportAllocs()
			b.ResetTimer()
			var wg sync.WaitGroup
			for w := range workers {
				wg.Go(func() {
					for i := w; i < len(escrows); i += workers {
						if err := feeds[0].feed(ctx, exp, escrows[i]); err != nil {
							b.Error(err)
							return
						}
					}
				})
			}
			wg.Wait()
			if f, ok := exp.(interface{ ForceFlush(context.Context) error }); ok {
				if err := f.ForceFlush(ctx); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			if err := exp.Shutdown(ctx); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(spansPer)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
		})
	}
}
