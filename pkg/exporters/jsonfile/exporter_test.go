package jsonfile

import (
	"bytes"
	"context"
	"errors"
	"flag"
	"io"
	"log/slog"
	"math/rand/v2"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/")

var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

// logRecorder keeps the messages logged at a level or above.
type logRecorder struct {
	mu   sync.Mutex
	msgs []string
}

func (r *logRecorder) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(writerFunc(func(p []byte) (int, error) {
		r.mu.Lock()
		defer r.mu.Unlock()
		r.msgs = append(r.msgs, string(p))
		return len(p), nil
	}), &slog.HandlerOptions{Level: slog.LevelInfo}))
}

func (r *logRecorder) count(substr string) int {
	r.mu.Lock()
	defer r.mu.Unlock()
	n := 0
	for _, m := range r.msgs {
		if strings.Contains(m, substr) {
			n++
		}
	}
	return n
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }

// newTestExporter makes an exporter whose ExportSpans waits for its files
// (Config.WaitForFiles), as escrowd's tracing sets it up, so that a test can
// read a file as soon as ExportSpans returns; newAsyncExporter does not.
func newTestExporter(t testing.TB, cfg Config) (*Exporter, *logRecorder) {
	t.Helper()
	cfg.WaitForFiles = true
	return newAsyncExporter(t, cfg)
}

func newAsyncExporter(t testing.TB, cfg Config) (*Exporter, *logRecorder) {
	t.Helper()
	rec := &logRecorder{}
	if cfg.Dir == "" {
		cfg.Dir = t.TempDir()
	}
	cfg.Logger = rec.logger()
	e, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	return e, rec
}

// dirNames lists a directory, for checks that nothing else was written.
func dirNames(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestGolden(t *testing.T) {
	tests := []struct {
		name string
		c    escrowCase
		otlp bool
	}{
		{"success", escrowCase{escrowID: "0b0e7c2e-3f7a-4c1e-9d6a-2a4f1c9e8b11", trace: 1, start: t0}, false},
		{"failed_otlp", escrowCase{escrowID: "esc-failed", trace: 2, start: t0, failed: true}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, _ := newTestExporter(t, Config{IncludeOTLP: tt.otlp})
			if err := e.ExportSpans(context.Background(), escrowStubs(tt.c).Snapshots()); err != nil {
				t.Fatal(err)
			}
			f, data := escrowtracetest.ReadFile(t, e.cfg.Dir, tt.c.escrowID)
			golden := filepath.Join("testdata", tt.name+".json")
			if *update {
				if err := os.WriteFile(golden, data, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(data, want) {
				t.Errorf("escrow_%s.json differs from %s (go test -update to accept)", tt.c.escrowID, golden)
			}

			snapshots, rpcs, finals := 0, 0, 0
			for _, ev := range f.Events {
				switch {
				case escrow.IsSnapshotName(ev.Type):
					snapshots++
				case ev.Type == escrowtrace.EventRPCCallStart:
					rpcs++
				case ev.Type == escrowtrace.EventErrorFinal:
					finals++
				}
			}
			wantFinals := 0
			if tt.c.failed {
				wantFinals = 1
			}
			if snapshots != 21 || rpcs != 40 || finals != wantFinals {
				t.Errorf("snapshots %d, rpc calls %d, ERROR_FINAL %d; want 21, 40, %d", snapshots, rpcs, finals, wantFinals)
			}
			if bytes.Contains(data, []byte("hunter2")) {
				t.Error("a password attribute reached the file")
			}
			if tt.otlp {
				// The lossless section rebuilds to the file's own events.
				spans, err := escrowtrace.ParseOTLP(f.OTLP)
				if err != nil {
					t.Fatal(err)
				}
				rebuilt, err := escrowtrace.Build(spans, escrowtrace.BuildOptions{})
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(rebuilt.Events, f.Events) || rebuilt.Outcome != f.Outcome || !reflect.DeepEqual(rebuilt.Error, f.Error) {
					t.Error("Build(ParseOTLP(otlp)) differs from the file's events")
				}
			}
		})
	}
}

// A real provider with a simple processor: spans as escrowd's tracing makes them.
func TestTracerProvider(t *testing.T) {
	e, _ := newTestExporter(t, Config{})
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(e)))
	tracer := tp.Tracer("test")
	ctx := context.Background()

	ctx, root := tracer.Start(ctx, escrowtrace.SpanNameEscrow, withAttrs(map[string]any{escrowtrace.AttrEscrowID: "tp-1"}))
	for _, role := range roles {
		_, s := tracer.Start(ctx, "wallet is_multisig", withAttrs(map[string]any{
			escrowtrace.AttrEscrowID: "tp-1", escrowtrace.AttrEscrowRole: role, escrowtrace.AttrRPCMethod: "is_multisig",
		}))
		s.End()
	}
	root.AddEvent(escrowtrace.EventSnapshotPreRound1, eventAttrs(map[string]any{escrowtrace.AttrEscrowRole: "buyer", escrowtrace.AttrSnapshotIsMultisig: false}))
	if _, err := os.Stat(filepath.Join(e.cfg.Dir, "escrow_tp-1.json")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("file written before the root ended: %v", err)
	}
	root.SetAttributes(attrKV(escrowtrace.AttrEscrowOutcome, "success"))
	root.End()

	// A non-escrow trace leaves no file.
	hctx, h := tracer.Start(context.Background(), "POST /escrows")
	_, hc := tracer.Start(hctx, "decode")
	hc.End()
	h.End()

	f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "tp-1")
	if f.Outcome != escrowtrace.OutcomeSuccess || len(f.Events) != 7 || f.TraceID != root.SpanContext().TraceID().String() {
		t.Errorf("file: outcome %s, %d events, trace %s", f.Outcome, len(f.Events), f.TraceID)
	}
	if names := dirNames(t, e.cfg.Dir); len(names) != 1 {
		t.Errorf("dir holds %v, want only escrow_tp-1.json", names)
	}
	if s := e.Stats(); s.FilesWritten != 1 || s.NonEscrowTraces != 1 || s.Buffered != 0 {
		t.Errorf("stats = %+v", s)
	}
	if err := tp.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
}

// Many escrows' spans, shuffled and cut into batches (so roots often come
// before their children, in the same or an earlier batch), with foreign
// traces among them, give the same files as each escrow exported alone.
func TestInterleavedBatches(t *testing.T) {
	const escrows = 10
	var all []sdktrace.ReadOnlySpan
	want := make(map[string][]byte)
	for i := range escrows {
		c := escrowCase{escrowID: "mix-" + string(rune('a'+i)), trace: uint64(100 + i), start: t0.Add(time.Duration(i) * time.Second), failed: i%3 == 0}
		ref, _ := newTestExporter(t, Config{IncludeOTLP: true})
		if err := ref.ExportSpans(context.Background(), escrowStubs(c).Snapshots()); err != nil {
			t.Fatal(err)
		}
		_, want[c.escrowID] = escrowtracetest.ReadFile(t, ref.cfg.Dir, c.escrowID)
		all = append(all, escrowStubs(c).Snapshots()...)
		all = append(all, foreignStubs(uint64(i), t0).Snapshots()...)
	}
	r := rand.New(rand.NewPCG(7, 11))
	for round := range 2 {
		r.Shuffle(len(all), func(i, j int) { all[i], all[j] = all[j], all[i] })
		e, _ := newTestExporter(t, Config{IncludeOTLP: true})
		for rest := all; len(rest) > 0; {
			n := min(len(rest), 1+r.IntN(60))
			if err := e.ExportSpans(context.Background(), rest[:n]); err != nil {
				t.Fatal(err)
			}
			rest = rest[n:]
		}
		for id, w := range want {
			if _, got := escrowtracetest.ReadFile(t, e.cfg.Dir, id); !bytes.Equal(got, w) {
				t.Errorf("round %d: escrow_%s.json differs from exporting it alone", round, id)
			}
		}
		if names := dirNames(t, e.cfg.Dir); len(names) != escrows {
			t.Errorf("round %d: %d files, want %d: %v", round, len(names), escrows, names)
		}
		if s := e.Stats(); s.NonEscrowTraces != escrows || s.Buffered != 0 || s.DroppedTraces != 0 || s.WriteErrors != 0 {
			t.Errorf("round %d: stats = %+v", round, s)
		}
	}
}

// A span that ends after its escrow's root rewrites the file with it.
func TestLateSpanRewrites(t *testing.T) {
	e, _ := newTestExporter(t, Config{})
	spans := escrowStubs(escrowCase{escrowID: "late", trace: 3, start: t0}).Snapshots()
	late := spans[0] // buyer's open_wallet
	if err := e.ExportSpans(context.Background(), spans[1:]); err != nil {
		t.Fatal(err)
	}
	f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "late")
	if n := len(f.Events); n != 2*40+21-2 || f.Outcome != escrowtrace.OutcomeSuccess {
		t.Fatalf("before the late span: %d events, outcome %s", n, f.Outcome)
	}
	if err := e.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{late}); err != nil {
		t.Fatal(err)
	}
	f, _ = escrowtracetest.ReadFile(t, e.cfg.Dir, "late")
	if n := len(f.Events); n != 2*40+21 || f.Events[1].Method != "open_wallet" {
		t.Errorf("after the late span: %d events, events[1] = %+v", n, f.Events[1])
	}
	if s := e.Stats(); s.FilesWritten != 2 {
		t.Errorf("stats = %+v", s)
	}
}

func TestNonEscrowTraceDropped(t *testing.T) {
	e, _ := newTestExporter(t, Config{})
	spans := foreignStubs(1, t0).Snapshots()
	// Root first in the batch, then a late child in another batch.
	if err := e.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{spans[1]}); err != nil {
		t.Fatal(err)
	}
	if err := e.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{spans[0]}); err != nil {
		t.Fatal(err)
	}
	if err := e.ForceFlush(context.Background()); err != nil {
		t.Fatal(err)
	}
	if names := dirNames(t, e.cfg.Dir); len(names) != 0 {
		t.Errorf("files written for a non-escrow trace: %v", names)
	}
	if s := e.Stats(); s.NonEscrowTraces != 1 || s.DroppedSpans != 1 || s.Buffered != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestMaxTraces(t *testing.T) {
	e, rec := newTestExporter(t, Config{MaxTraces: 2})
	var roots []sdktrace.ReadOnlySpan
	for i := range 3 {
		spans := escrowStubs(escrowCase{escrowID: "bound-" + string(rune('a'+i)), trace: uint64(10 + i), start: t0}).Snapshots()
		last := len(spans) - 1
		roots = append(roots, spans[last])
		if err := e.ExportSpans(context.Background(), spans[:last]); err != nil {
			t.Fatal(err)
		}
	}
	if s := e.Stats(); s.DroppedTraces != 1 || s.Buffered != 2 {
		t.Fatalf("stats = %+v", s)
	}
	if rec.count("dropped an unfinished trace") != 1 {
		t.Errorf("eviction not logged once: %v", rec.msgs)
	}
	// The evicted escrow's root is dropped too: no file from a fragment.
	if err := e.ExportSpans(context.Background(), roots); err != nil {
		t.Fatal(err)
	}
	names := dirNames(t, e.cfg.Dir)
	if !reflect.DeepEqual(names, []string{"escrow_bound-b.json", "escrow_bound-c.json"}) {
		t.Errorf("files = %v", names)
	}
	if s := e.Stats(); s.DroppedSpans != 1 || s.Buffered != 0 {
		t.Errorf("stats = %+v", s)
	}
}

func TestMaxSpansPerTrace(t *testing.T) {
	e, rec := newTestExporter(t, Config{MaxSpansPerTrace: 10})
	spans := escrowStubs(escrowCase{escrowID: "many", trace: 4, start: t0}).Snapshots()
	if err := e.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	// The root comes last and is kept beyond the bound: it completes the trace.
	f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "many")
	if f.Outcome != escrowtrace.OutcomeSuccess {
		t.Errorf("outcome = %s", f.Outcome)
	}
	if s := e.Stats(); s.DroppedSpans != uint64(len(spans)-11) {
		t.Errorf("dropped %d spans, want %d", s.DroppedSpans, len(spans)-11)
	}
	if n := rec.count("trace has too many"); n != 1 {
		t.Errorf("span drops logged %d times, want once", n)
	}
}

func TestFlushAndShutdownWriteIncomplete(t *testing.T) {
	e, _ := newTestExporter(t, Config{})
	a := escrowStubs(escrowCase{escrowID: "inc-a", trace: 20, start: t0}).Snapshots()
	b := escrowStubs(escrowCase{escrowID: "inc-b", trace: 21, start: t0}).Snapshots()
	ctx := context.Background()
	if err := e.ExportSpans(ctx, a[:len(a)-1]); err != nil {
		t.Fatal(err)
	}
	if err := e.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "inc-a")
	if f.Outcome != escrowtrace.OutcomeIncomplete || f.EndedAt != nil || e.Stats().Buffered != 1 {
		t.Errorf("flushed: outcome %s, ended %v, stats %+v", f.Outcome, f.EndedAt, e.Stats())
	}
	// The root completes it and replaces the incomplete file.
	if err := e.ExportSpans(ctx, a[len(a)-1:]); err != nil {
		t.Fatal(err)
	}
	if f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "inc-a"); f.Outcome != escrowtrace.OutcomeSuccess {
		t.Errorf("after the root: outcome %s", f.Outcome)
	}

	if err := e.ExportSpans(ctx, b[:5]); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "inc-b"); f.Outcome != escrowtrace.OutcomeIncomplete || len(f.Events) != 10 {
		t.Errorf("shutdown: outcome %s, %d events", f.Outcome, len(f.Events))
	}
	if err := e.ExportSpans(ctx, b[5:]); !errors.Is(err, ErrShutdown) {
		t.Errorf("ExportSpans after Shutdown = %v, want ErrShutdown", err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Errorf("second Shutdown = %v", err)
	}
}

func TestFlushHonoursContext(t *testing.T) {
	e, _ := newTestExporter(t, Config{})
	a := escrowStubs(escrowCase{escrowID: "ctx", trace: 22, start: t0}).Snapshots()
	if err := e.ExportSpans(context.Background(), a[:3]); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := e.ForceFlush(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("ForceFlush(cancelled) = %v", err)
	}
	if names := dirNames(t, e.cfg.Dir); len(names) != 0 {
		t.Errorf("files = %v", names)
	}
}

func TestUnsafeIDsRefused(t *testing.T) {
	for _, id := range []string{"../x", "", strings.Repeat("a", 65), "a/b"} {
		t.Run(id, func(t *testing.T) {
			parent := t.TempDir()
			dir := filepath.Join(parent, "traces")
			e, rec := newTestExporter(t, Config{Dir: dir})
			spans := escrowStubs(escrowCase{escrowID: id, trace: 30, start: t0}).Snapshots()
			if err := e.ExportSpans(context.Background(), spans); err != nil {
				t.Fatal(err)
			}
			if err := e.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if names := dirNames(t, dir); len(names) != 0 {
				t.Errorf("files in dir: %v", names)
			}
			if names := dirNames(t, parent); !reflect.DeepEqual(names, []string{"traces"}) {
				t.Errorf("files beside dir: %v", names)
			}
			if s := e.Stats(); s.RefusedIDs != 1 || s.FilesWritten != 0 {
				t.Errorf("stats = %+v", s)
			}
			if rec.count("not filename-safe") != 1 {
				t.Errorf("refusal not logged once: %v", rec.msgs)
			}
		})
	}
}

// A failing disk: the error is returned and counted every time, logged once
// until a write works again, and no temp file is left behind.
func TestWriteFailures(t *testing.T) {
	e, rec := newTestExporter(t, Config{})
	dir := e.cfg.Dir
	ctx := context.Background()
	export := func(id string, n uint64) error {
		return e.ExportSpans(ctx, escrowStubs(escrowCase{escrowID: id, trace: n, start: t0}).Snapshots())
	}
	failLogs := func() int { return rec.count("cannot write escrow trace files") }

	// Root runs as root here, so a read-only directory would not fail:
	// a regular file where the directory should be does (ENOTDIR).
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		if err := export("disk-"+string(rune('a'+i)), uint64(40+i)); err == nil {
			t.Fatal("ExportSpans into a file-as-directory succeeded")
		}
	}
	if s := e.Stats(); s.WriteErrors != 3 || failLogs() != 1 {
		t.Errorf("after 3 failures: stats %+v, %d failure logs", s, failLogs())
	}

	// Recovery: the directory is back; writes work and say so.
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := export("disk-ok", 50); err != nil {
		t.Fatal(err)
	}
	if rec.count("works again") != 1 {
		t.Errorf("recovery not logged: %v", rec.msgs)
	}
	// The complete files that failed are retried by ForceFlush.
	if err := e.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"disk-a", "disk-b", "disk-c", "disk-ok"} {
		escrowtracetest.ReadFile(t, dir, id)
	}

	// Failing anew, late in the write: the target is a non-empty directory,
	// so the rename fails after the temp file was written.
	if err := os.MkdirAll(filepath.Join(dir, "escrow_disk-x.json", "sub"), 0o750); err != nil {
		t.Fatal(err)
	}
	if err := export("disk-x", 51); err == nil {
		t.Fatal("rename over a directory succeeded")
	}
	if failLogs() != 2 {
		t.Errorf("a new failure after recovery logged %d times in all, want 2", failLogs())
	}
	for _, name := range dirNames(t, dir) {
		if strings.Contains(name, ".tmp-") {
			t.Errorf("temp file left behind: %s", name)
		}
	}
}

func TestFileAndDirModes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "new", "traces")
	e, _ := newTestExporter(t, Config{Dir: dir})
	if err := e.ExportSpans(context.Background(), escrowStubs(escrowCase{escrowID: "mode", trace: 60, start: t0}).Snapshots()); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(filepath.Join(dir, "escrow_mode.json"))
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("file mode %v, want 0640", fi.Mode().Perm())
	}
	di, err := os.Stat(dir)
	if err != nil {
		t.Fatal(err)
	}
	if di.Mode().Perm() != 0o750&^umask(t) {
		t.Errorf("dir mode %v, want 0750 (less umask)", di.Mode().Perm())
	}
}

// umask finds the process umask without changing it for long.
func umask(t *testing.T) os.FileMode {
	p := filepath.Join(t.TempDir(), "probe")
	if err := os.Mkdir(p, 0o777); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if err != nil {
		t.Fatal(err)
	}
	return 0o777 &^ fi.Mode().Perm()
}

// Concurrent ExportSpans (run with -race): every escrow's file is complete.
func TestConcurrentExport(t *testing.T) {
	e, _ := newTestExporter(t, Config{IncludeOTLP: true})
	const workers, perWorker = 4, 5
	var wg sync.WaitGroup
	errs := make(chan error, workers*perWorker)
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				n := w*perWorker + i
				spans := escrowStubs(escrowCase{escrowID: "conc-" + string(rune('a'+n)), trace: uint64(200 + n), start: t0}).Snapshots()
				for len(spans) > 0 { // in small batches, to interleave with the others
					k := min(len(spans), 7)
					errs <- e.ExportSpans(context.Background(), spans[:k])
					spans = spans[k:]
				}
			}
		})
	}
	// Stats and ForceFlush race with the exports too.
	wg.Go(func() {
		for range 20 {
			_ = e.Stats()
			errs <- e.ForceFlush(context.Background())
		}
	})
	go func() { wg.Wait(); close(errs) }()
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	for n := range workers * perWorker {
		if f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "conc-"+string(rune('a'+n))); f.Outcome != escrowtrace.OutcomeSuccess || len(f.Events) != 101 {
			t.Errorf("conc-%c: outcome %s, %d events", 'a'+n, f.Outcome, len(f.Events))
		}
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		want string
	}{
		{"zero", Config{}, ""},
		{"negative traces", Config{MaxTraces: -1}, "jsonfile config: max traces -1: must not be negative (0 = default 1024)"},
		{"negative spans", Config{MaxSpansPerTrace: -2}, "jsonfile config: max spans per trace -2: must not be negative (0 = default 4096)"},
		{"nul in dir", Config{Dir: "a\x00b"}, "jsonfile config: dir contains a NUL byte"},
		{"negative file wait", Config{MaxFileWait: -time.Second}, "jsonfile config: max file wait -1s: must not be negative (0 = default 30s)"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			got := ""
			if err != nil {
				got = err.Error()
			}
			if got != tt.want {
				t.Errorf("Validate() = %q, want %q", got, tt.want)
			}
			if tt.want != "" {
				if _, err := New(tt.cfg); err == nil {
					t.Error("New accepted an invalid config")
				}
			}
		})
	}
	if _, err := New(Config{Dir: filepath.Join(t.TempDir(), "f", "x"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}); err != nil {
		t.Errorf("New with a missing nested dir: %v", err)
	}
}
