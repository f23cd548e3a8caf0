package jsonfile

import (
	"context"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"testing"

	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// benchEscrow is one complete, successful escrow's spans, with a trace ID
// of its own.
func benchEscrow(n uint64) []sdktrace.ReadOnlySpan {
	return escrowStubs(escrowCase{escrowID: "bench", trace: n, start: t0}).Snapshots()
}

// exportFunc feeds one escrow's spans to an exporter.
type exportFunc func(ctx context.Context, e sdktrace.SpanExporter, spans []sdktrace.ReadOnlySpan) error

// feeds: "per-span" is what the SDK's simple span processor does (the file
// exporter's production path: one ExportSpans per ended span); "batch" is one
// call with the whole escrow, as a batch processor would make it.
var feeds = []struct {
	name string
	feed exportFunc
}{
	{"per-span", func(ctx context.Context, e sdktrace.SpanExporter, spans []sdktrace.ReadOnlySpan) error {
		for i := range spans {
			if err := e.ExportSpans(ctx, spans[i:i+1]); err != nil {
				return err
			}
		}
		return nil
	}},
	{"batch", func(ctx context.Context, e sdktrace.SpanExporter, spans []sdktrace.ReadOnlySpan) error {
		return e.ExportSpans(ctx, spans)
	}},
}

// BenchmarkExportVsStdout exports the same complete escrows (40 RPC spans, 4
// phases, a root, 21 snapshot events) to this exporter and to
// OpenTelemetry's stdouttrace writing to a file in the same directory.
// spans/s is the figure to compare; file-bytes/escrow is what one escrow
// costs on disk (for the file exporter: the size of escrow_<id>.json, with
// and without the otlp section).
//
// What each does differs, so both sides are measured with and without
// durability: jsonfile (the product) buffers an escrow's spans and, when the
// root ends, queues its file for the writer goroutine, which replaces it
// atomically with an fsync of the file and one of the directory for all the
// files it has; the final ForceFlush (every file durable) is timed.
// jsonfile-wait waits in ExportSpans for each root's file, as escrowd's
// tracing sets it up; jsonfile-nosync is jsonfile without the fsyncs.
// stdouttrace encodes each span as it comes and appends it to an open file
// without fsync; stdouttrace+fsync adds one fsync of that file per escrow,
// after its root span, the same durability point as ours.
func BenchmarkExportVsStdout(b *testing.B) {
	// flush, when not nil, is timed after the last escrow: what the
	// user waits for until every file is durable.
	type made struct {
		exp   sdktrace.SpanExporter
		size  func(escrows uint64) int64
		flush func(context.Context) error
	}
	type exporterCase struct {
		name string
		make func(b *testing.B, dir string) made
	}
	fileExporter := func(cfg Config, noSync bool) func(b *testing.B, dir string) made {
		return func(b *testing.B, dir string) made {
			cfg.Dir, cfg.Logger = dir, slog.New(slog.DiscardHandler)
			e, err := New(cfg)
			if err != nil {
				b.Fatal(err)
			}
			e.noSync = noSync
			// Every escrow has the same ID: the size of the one file is one escrow's.
			return made{e, func(uint64) int64 { return fileSize(b, filepath.Join(dir, "escrow_bench.json")) }, e.ForceFlush}
		}
	}
	stdoutExporter := func(fsync bool) func(b *testing.B, dir string) made {
		return func(b *testing.B, dir string) made {
			path := filepath.Join(dir, "stdout.json")
			f, err := os.Create(path)
			if err != nil {
				b.Fatal(err)
			}
			b.Cleanup(func() { _ = f.Close() })
			e, err := stdouttrace.New(stdouttrace.WithWriter(f))
			if err != nil {
				b.Fatal(err)
			}
			size := func(escrows uint64) int64 { return fileSize(b, path) / int64(max(escrows, 1)) }
			if fsync {
				return made{&syncAtRoot{SpanExporter: e, f: f}, size, nil}
			}
			return made{e, size, nil}
		}
	}
	cases := []exporterCase{
		{"jsonfile", fileExporter(Config{}, false)},
		{"jsonfile-wait", fileExporter(Config{WaitForFiles: true}, false)},
		{"jsonfile-nosync", fileExporter(Config{}, true)},
		{"jsonfile+otlp", fileExporter(Config{IncludeOTLP: true}, false)},
		{"stdouttrace", stdoutExporter(false)},
		{"stdouttrace+fsync", stdoutExporter(true)},
	}
	for _, fd := range feeds {
		for _, ec := range cases {
			b.Run(fd.name+"/"+ec.name, func(b *testing.B) {
				m := ec.make(b, b.TempDir())
				ctx := context.Background()
				// Built before the clock starts, not between escrows: with
				// the timer stopped between escrows, the file exporter's
				// writer would work for free.
				escrows := make([][]sdktrace.ReadOnlySpan, b.N)
				for i := range escrows {
					escrows[i] = benchEscrow(uint64(i + 1))
				}
				spansPer := len(escrows[0])
				b.ReportAllocs()
				b.ResetTimer()
				for _, spans := range escrows {
					if err := fd.feed(ctx, m.exp, spans); err != nil {
						b.Fatal(err)
					}
				}
				if m.flush != nil {
					if err := m.flush(ctx); err != nil {
						b.Fatal(err)
					}
				}
				b.StopTimer()
				if err := m.exp.Shutdown(ctx); err != nil {
					b.Fatal(err)
				}
				b.ReportMetric(float64(spansPer)*float64(b.N)/b.Elapsed().Seconds(), "spans/s")
				b.ReportMetric(float64(m.size(uint64(b.N))), "file-bytes/escrow")
			})
		}
	}
}

// syncAtRoot fsyncs stdouttrace's file after each batch that holds a root
// span: the end of an escrow, where the file exporter makes its file durable.
type syncAtRoot struct {
	sdktrace.SpanExporter
	f *os.File
}

func (s *syncAtRoot) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	if err := s.SpanExporter.ExportSpans(ctx, spans); err != nil {
		return err
	}
	for _, ro := range spans {
		if !ro.Parent().IsValid() {
			return s.f.Sync()
		}
	}
	return nil
}

func fileSize(tb testing.TB, path string) int64 {
	tb.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		tb.Fatal(err)
	}
	return fi.Size()
}

// BenchmarkBufferedEscrowMemory is the heap one unfinished escrow holds in
// the exporter: all of an escrow's spans but its root (which would write and
// drop the trace) for 256 escrows, heap measured after GC before and after,
// divided by 256. Reported as bytes/escrow. The benchmark drops each escrow's
// spans once they are exported, as the SDK does, so whatever the exporter
// keeps of them (a copy, or the spans themselves) is counted.
func BenchmarkBufferedEscrowMemory(b *testing.B) {
	const escrows = 256
	ctx := context.Background()
	var perEscrow float64
	for b.Loop() {
		b.StopTimer()
		e, err := New(Config{Dir: b.TempDir(), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
		if err != nil {
			b.Fatal(err)
		}
		before := heapAfterGC()
		for i := range escrows {
			spans := benchEscrow(uint64(i + 1))
			spans = spans[:len(spans)-1] // the root ends last
			b.StartTimer()
			if err := feeds[0].feed(ctx, e, spans); err != nil {
				b.Fatal(err)
			}
			b.StopTimer()
		}
		after := heapAfterGC()
		if got := e.Stats(); got.FilesWritten != 0 || got.Buffered != escrows {
			b.Fatalf("%d files written, %d traces buffered; want 0 and %d", got.FilesWritten, got.Buffered, escrows)
		}
		perEscrow += float64(int64(after)-int64(before)) / escrows
		runtime.KeepAlive(e)
		b.StartTimer()
	}
	b.ReportMetric(perEscrow/float64(b.N), "bytes/escrow")
}

func heapAfterGC() uint64 {
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms.HeapAlloc
}
