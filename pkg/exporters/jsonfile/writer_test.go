package jsonfile

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
)

// Without WaitForFiles, ExportSpans only queues: the files are there, whole
// and counted, once ForceFlush returns.
func TestAsyncFilesDurableAfterFlush(t *testing.T) {
	for _, feed := range feeds {
		t.Run(feed.name, func(t *testing.T) {
			e, _ := newAsyncExporter(t, Config{})
			ctx := context.Background()
			const escrows = 3 * writeQueueLen // more than the queue holds
			for i := range escrows {
				c := escrowCase{escrowID: fmt.Sprintf("async-%d", i), trace: uint64(300 + i), start: t0}
				if err := feed.feed(ctx, e, escrowStubs(c).Snapshots()); err != nil {
					t.Fatal(err)
				}
			}
			if err := e.ForceFlush(ctx); err != nil {
				t.Fatal(err)
			}
			// Counted only after the directory fsync that made them durable.
			if s := e.Stats(); s.FilesWritten != escrows || s.WriteErrors != 0 || s.Buffered != 0 {
				t.Fatalf("stats after ForceFlush = %+v, want %d files", s, escrows)
			}
			for i := range escrows {
				if f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, fmt.Sprintf("async-%d", i)); f.Outcome != escrowtrace.OutcomeSuccess || len(f.Events) != 101 {
					t.Errorf("async-%d: outcome %s, %d events", i, f.Outcome, len(f.Events))
				}
			}
			checkNoTempFiles(t, e.cfg.Dir)
		})
	}
}

// Every version of one escrow's file goes through the queue in order, so the
// last one written is the newest: root first, then each other span late,
// each queueing a new version (45 versions, more than the queue holds).
func TestAsyncRewritesInOrder(t *testing.T) {
	c := escrowCase{escrowID: "order", trace: 400, start: t0}
	ref, _ := newTestExporter(t, Config{IncludeOTLP: true})
	if err := ref.ExportSpans(context.Background(), escrowStubs(c).Snapshots()); err != nil {
		t.Fatal(err)
	}
	_, want := escrowtracetest.ReadFile(t, ref.cfg.Dir, "order")

	e, _ := newAsyncExporter(t, Config{IncludeOTLP: true})
	spans := escrowStubs(c).Snapshots()
	root := spans[len(spans)-1]
	ctx := context.Background()
	for _, s := range append([]sdktrace.ReadOnlySpan{root}, spans[:len(spans)-1]...) {
		if err := e.ExportSpans(ctx, []sdktrace.ReadOnlySpan{s}); err != nil {
			t.Fatal(err)
		}
	}
	if err := e.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if _, got := escrowtracetest.ReadFile(t, e.cfg.Dir, "order"); !bytes.Equal(got, want) {
		t.Error("after all the rewrites, the file is not the newest version")
	}
	if s := e.Stats(); s.FilesWritten != uint64(len(spans)) {
		t.Errorf("stats = %+v, want %d files written", s, len(spans))
	}
}

// An incomplete file written by ForceFlush is replaced by the complete one
// when the root arrives, never the other way round.
func TestAsyncIncompleteThenComplete(t *testing.T) {
	e, _ := newAsyncExporter(t, Config{})
	ctx := context.Background()
	spans := escrowStubs(escrowCase{escrowID: "inc", trace: 410, start: t0}).Snapshots()
	last := len(spans) - 1
	if err := e.ExportSpans(ctx, spans[:last]); err != nil {
		t.Fatal(err)
	}
	if err := e.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "inc"); f.Outcome != escrowtrace.OutcomeIncomplete {
		t.Fatalf("after ForceFlush: outcome %s", f.Outcome)
	}
	if err := e.ExportSpans(ctx, spans[last:]); err != nil {
		t.Fatal(err)
	}
	// A second flush right behind the root's file: nothing pending to write
	// incomplete, and it waits for the complete file.
	if err := e.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "inc"); f.Outcome != escrowtrace.OutcomeSuccess {
		t.Errorf("after the root and ForceFlush: outcome %s", f.Outcome)
	}
}

// A full queue makes the producer wait for room instead of dropping its
// file: with the writer held on its first batch, the call that finds the
// queue full returns only after the writer took the next batch, and every
// escrow's file is written.
func TestAsyncFullQueueBlocks(t *testing.T) {
	e, _ := newAsyncExporter(t, Config{})
	taken, release := make(chan struct{}), make(chan struct{})
	var batches atomic.Int32
	e.beforeBatch = func() {
		if batches.Add(1) == 1 {
			close(taken)
			<-release
		}
	}
	ctx := context.Background()
	export := func(i int) error {
		c := escrowCase{escrowID: fmt.Sprintf("full-%d", i), trace: uint64(500 + i), start: t0}
		return e.ExportSpans(ctx, escrowStubs(c).Snapshots())
	}
	const escrows = 1 + writeQueueLen + 1 // the held batch, a full queue, one more
	// The first file is taken by the writer, which then waits; the next
	// writeQueueLen fill the queue.
	if err := export(0); err != nil {
		t.Fatal(err)
	}
	<-taken
	for i := 1; i < escrows-1; i++ {
		if err := export(i); err != nil {
			t.Fatal(err)
		}
	}
	done := make(chan uint64)
	go func() {
		if err := export(escrows - 1); err != nil {
			t.Error(err)
		}
		e.mu.Lock()
		finished := e.finished
		e.mu.Unlock()
		done <- finished
	}()
	select {
	case <-done:
		t.Fatal("ExportSpans returned while the queue was full and the writer held")
	default:
	}
	close(release)
	// Room came only when the writer, done with the held batch, took the queue.
	if finished := <-done; finished < 1 {
		t.Error("ExportSpans returned before the writer finished its held batch: it did not wait for room")
	}
	if err := e.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	if s := e.Stats(); s.FilesWritten != escrows || s.DroppedTraces != 0 || s.DroppedSpans != 0 {
		t.Errorf("stats = %+v, want %d files and no drops", s, escrows)
	}
	for i := range escrows {
		escrowtracetest.ReadFile(t, e.cfg.Dir, fmt.Sprintf("full-%d", i))
	}
}

// Without WaitForFiles a write error is not ExportSpans' to return: it is
// counted and logged once per failing stretch, and ForceFlush retries the
// file and returns the error; when the directory is back it writes the file
// and says so once.
func TestAsyncWriteFailures(t *testing.T) {
	e, rec := newAsyncExporter(t, Config{})
	dir := e.cfg.Dir
	ctx := context.Background()
	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		c := escrowCase{escrowID: fmt.Sprintf("fail-%d", i), trace: uint64(600 + i), start: t0}
		if err := e.ExportSpans(ctx, escrowStubs(c).Snapshots()); err != nil {
			t.Fatalf("ExportSpans = %v: the write is the writer's", err)
		}
	}
	if err := e.ForceFlush(ctx); !errors.Is(err, syscall.ENOTDIR) {
		t.Fatalf("ForceFlush into a file-as-directory = %v, want ENOTDIR", err)
	}
	if s := e.Stats(); s.WriteErrors != 6 || s.FilesWritten != 0 {
		t.Errorf("stats = %+v, want 3 failures and 3 failed retries", s)
	}
	if n := rec.count("cannot write escrow trace files"); n != 1 {
		t.Errorf("failure logged %d times, want once", n)
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(dir, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := e.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		escrowtracetest.ReadFile(t, dir, fmt.Sprintf("fail-%d", i))
	}
	if n := rec.count("works again"); n != 1 {
		t.Errorf("recovery logged %d times, want once", n)
	}
	checkNoTempFiles(t, dir)
}

// The writer goroutine ends when its queue is empty, and Shutdown returns
// only after it has: an exporter leaves no goroutine behind.
func TestShutdownStopsWriter(t *testing.T) {
	e, _ := newAsyncExporter(t, Config{})
	ctx := context.Background()
	for i := range 2 * writeQueueLen {
		c := escrowCase{escrowID: fmt.Sprintf("stop-%d", i), trace: uint64(700 + i), start: t0}
		if err := feeds[0].feed(ctx, e, escrowStubs(c).Snapshots()); err != nil {
			t.Fatal(err)
		}
	}
	// Pending at shutdown: written incomplete by it.
	spans := escrowStubs(escrowCase{escrowID: "stop-pending", trace: 799, start: t0}).Snapshots()
	if err := e.ExportSpans(ctx, spans[:5]); err != nil {
		t.Fatal(err)
	}
	if err := e.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}
	if s := e.Stats(); s.FilesWritten != 2*writeQueueLen+1 {
		t.Errorf("stats after Shutdown = %+v", s)
	}
	if f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "stop-pending"); f.Outcome != escrowtrace.OutcomeIncomplete {
		t.Errorf("pending escrow: outcome %s", f.Outcome)
	}
	e.mu.Lock()
	running := e.writerExited != nil
	e.mu.Unlock()
	if running {
		t.Error("writer still registered after Shutdown")
	}
	if writerGoroutines() != 0 {
		t.Errorf("writer goroutine left after Shutdown:\n%s", allStacks())
	}
}

// writerGoroutines counts the goroutines running the writer. A writer that
// has closed its exit channel may not have left the scheduler yet: give it
// a few chances to, without sleeping.
func writerGoroutines() int {
	n := 0
	for range 100 {
		n = strings.Count(allStacks(), "jsonfile.(*Exporter).writeLoop")
		if n == 0 {
			return 0
		}
		runtime.Gosched()
	}
	return n
}

func allStacks() string {
	buf := make([]byte, 1<<20)
	return string(buf[:runtime.Stack(buf, true)])
}

func checkNoTempFiles(t *testing.T, dir string) {
	t.Helper()
	for _, name := range dirNames(t, dir) {
		if strings.Contains(name, ".tmp-") {
			t.Errorf("temp file left behind: %s", name)
		}
	}
}

// Concurrent exporters of different escrows and ForceFlush callers, with
// the writer in between (run with -race).
func TestAsyncConcurrentExportAndFlush(t *testing.T) {
	e, _ := newAsyncExporter(t, Config{})
	const workers, perWorker = 4, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				n := w*perWorker + i
				c := escrowCase{escrowID: fmt.Sprintf("cf-%d", n), trace: uint64(800 + n), start: t0}
				if err := feeds[0].feed(context.Background(), e, escrowStubs(c).Snapshots()); err != nil {
					t.Error(err)
				}
				if i%3 == 0 {
					if err := e.ForceFlush(context.Background()); err != nil {
						t.Error(err)
					}
					// Flushed: this worker's escrows so far are on disk.
					for k := 0; k <= i; k++ {
						if _, err := os.Stat(filepath.Join(e.cfg.Dir, fmt.Sprintf("escrow_cf-%d.json", w*perWorker+k))); err != nil {
							t.Errorf("after ForceFlush: %v", err)
						}
					}
				}
			}
		})
	}
	wg.Wait()
	if err := e.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	// A flush writes the other workers' running escrows as incomplete: more
	// files written than escrows, and each one's last version is complete.
	if s := e.Stats(); s.FilesWritten < workers*perWorker || s.WriteErrors != 0 {
		t.Errorf("stats = %+v", s)
	}
	for n := range workers * perWorker {
		if f, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, fmt.Sprintf("cf-%d", n)); f.Outcome != escrowtrace.OutcomeSuccess {
			t.Errorf("cf-%d: outcome %s", n, f.Outcome)
		}
	}
}
