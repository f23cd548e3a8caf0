package jsonfile

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
)

// BenchmarkExport exports one complete escrow trace (40 RPC spans, 21
// snapshot events, ERROR_FINAL) per iteration, as one batch, file written
// and fsynced. file-bytes is the size of the written file.
func BenchmarkExport(b *testing.B) {
	for _, bc := range []struct {
		name string
		otlp bool
	}{{"events", false}, {"events+otlp", true}} {
		b.Run(bc.name, func(b *testing.B) {
			dir := b.TempDir()
			e, err := New(Config{Dir: dir, IncludeOTLP: bc.otlp, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
			if err != nil {
				b.Fatal(err)
			}
			ctx := context.Background()
			b.ReportAllocs()
			n := uint64(0)
			for b.Loop() {
				b.StopTimer()
				n++ // a new trace each time: the same escrow ID, so one file is rewritten
				spans := escrowStubs(escrowCase{escrowID: "bench", trace: n, start: t0, failed: true}).Snapshots()
				b.StartTimer()
				if err := e.ExportSpans(ctx, spans); err != nil {
					b.Fatal(err)
				}
			}
			// The background writer makes the file durable; the flush is timed.
			if err := e.ForceFlush(ctx); err != nil {
				b.Fatal(err)
			}
			fi, err := os.Stat(filepath.Join(dir, "escrow_bench.json"))
			if err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(fi.Size()), "file-bytes")
		})
	}
}
