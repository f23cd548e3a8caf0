package jsonfile

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/exporters/jsonfile/internal/spanconv"
)

// ErrShutdown is returned by ExportSpans after Shutdown.
var ErrShutdown = errors.New("jsonfile: exporter is shut down")

// Exporter writes one escrow_<id>.json per escrow trace. It implements
// sdktrace.SpanExporter: the SDK calls it synchronously, possibly from several
// goroutines, and never retries; all methods are safe for concurrent use.
//
// ExportSpans keeps the spans and builds an escrow's file when its root
// arrives; one writer goroutine writes the files, off the callers'
// goroutines and outside the exporter's lock, and fsyncs the directory once
// for all the files it has (group commit). Its queue is bounded and blocks:
// a caller that finds it full waits for room, so no escrow's file is lost
// to a busy disk. Versions of one file are written in the order they were
// built. ForceFlush and Shutdown return once everything queued before them
// is durable; with Config.WaitForFiles, so does the ExportSpans call that
// queued a file.
type Exporter struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex // guards everything below
	buf      *buffer
	stats    Stats
	failing  bool // the last write failed: the failure was logged once
	shutdown bool

	queue        []*fileJob    // built files waiting for the writer, oldest first
	queued       uint64        // seq of the last file queued
	finished     uint64        // seq of the last file the writer is done with (durable, or failed)
	progress     chan struct{} // closed (and replaced) whenever the writer takes or finishes files
	writerExited chan struct{} // nil unless the writer runs; closed when it returns
	spare        [][]byte      // encoding buffers back from the writer, reused
	lastSize     int           // the last file's size, to size a new buffer

	// phased: escrows whose file has a phase after the setup (written by
	// this exporter): a rewrite of their setup is merged, not written alone.
	phased map[string]bool

	noSync      bool   // benchmarks only: write without fsync, to measure what durability costs
	beforeBatch func() // tests only: called by the writer before it writes a batch
}

// maxKeptOutput bounds an encoding buffer kept for reuse: a typical file is
// 33 KB (160 KB with the otlp section); a huge one's buffer is not kept.
const maxKeptOutput = 1 << 20

var _ sdktrace.SpanExporter = (*Exporter)(nil)

// New checks cfg, creates its directory (0750) if missing and returns the exporter.
func New(cfg Config) (*Exporter, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	if err := os.MkdirAll(cfg.Dir, 0o750); err != nil {
		return nil, fmt.Errorf("jsonfile: create trace directory: %w", err)
	}
	return &Exporter{cfg: cfg, log: cfg.Logger, buf: newBuffer(cfg.MaxTraces), progress: make(chan struct{})}, nil
}

// ExportSpans takes in a batch of finished spans of any traces, in any order,
// and queues the file of every escrow whose root span is in the batch (after
// the whole batch is in, since a batch may hold a root before its children),
// and a new version of the file of a recent escrow that a late span belongs
// to. It waits only when the writer's queue is full, or, with
// Config.WaitForFiles, until the files it queued are durable; then it
// returns their write errors too. With WaitForFiles both waits together
// last at most Config.MaxFileWait. Escrows go on regardless. Spans whose
// parent is remote are not kept (counted in Stats.RemoteParentSpans).
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	// Taking what is kept outside the lock lets concurrent callers overlap.
	kept := make([]spanconv.Kept, 0, len(spans))
	remote := 0
	for _, ro := range spans {
		// A span whose parent came from another process (an HTTP request
		// that carried a traceparent) is never an escrow's: every span of an
		// escrow is made in the process that runs it, under its own root.
		// Keeping it would let any caller that names an escrow's trace ID
		// add spans to that escrow's file, or rewrite a finished one.
		if ro.Parent().IsRemote() {
			remote++
			continue
		}
		kept = append(kept, spanconv.Keep(ro, e.cfg.IncludeOTLP))
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown {
		return ErrShutdown
	}
	e.stats.RemoteParentSpans += uint64(remote)
	var touched []*traceBuf
	inBatch := make(map[*traceBuf]bool)
	for i := range kept {
		if tb := e.take(&kept[i]); tb != nil && !inBatch[tb] {
			inBatch[tb] = true
			touched = append(touched, tb)
		}
	}

	var toWrite []*traceBuf
	for _, tb := range touched {
		switch {
		case tb.state == stateClosed: // evicted while this batch came in
		case tb.state == statePending && tb.escrowRoot:
			e.buf.markDone(tb)
			tb.needsWrite = true
		case tb.state == statePending && tb.foreignRoot:
			e.stats.NonEscrowTraces++
			e.buf.close(tb)
		case tb.state == stateDone:
			tb.needsWrite = true // a late span
		}
		if tb.state == stateDone && tb.needsWrite {
			toWrite = append(toWrite, tb)
		}
	}

	if e.cfg.WaitForFiles && len(toWrite) > 0 {
		// Bounded: a hung traces disk must not hold the escrow whose root
		// this is (its state is recorded after its root span ends). Only
		// here, where a call may wait: most spans write no file.
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.cfg.MaxFileWait)
		defer cancel()
	}
	var errs []error
	var jobs []*fileJob
	for _, tb := range toWrite {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("jsonfile: trace %s not written: %w", tb.id, err))
			continue // stays needsWrite: ForceFlush retries
		}
		if err := e.waitRoom(ctx); err != nil {
			errs = append(errs, fmt.Errorf("jsonfile: trace %s not written: %w", tb.id, err))
			continue
		}
		if e.shutdown { // while waiting: Shutdown has written what needed it
			errs = append(errs, ErrShutdown)
			break
		}
		if tb.state != stateDone || !tb.needsWrite {
			// Closed, or queued by another call while this one waited.
			if tb.state == stateDone && tb.lastJob != nil {
				jobs = append(jobs, tb.lastJob)
			}
			continue
		}
		j, err := e.write(tb, false)
		errs = append(errs, err)
		if j != nil {
			jobs = append(jobs, j)
		}
	}
	if e.cfg.WaitForFiles && len(jobs) > 0 {
		errs = append(errs, e.awaitFiles(ctx, jobs))
	}
	return errors.Join(errs...)
}

// take adds one span to its trace, or drops it; it returns the trace when the
// span was kept.
func (e *Exporter) take(s *spanconv.Kept) *traceBuf {
	tb, evicted := e.buf.get(traceKey{s.TraceID(), s.Phase()}, s.HasEscrowID())
	if s.Phase() != "" && tb.escrowRoot && tb.state != stateClosed {
		// A later phase's span after that phase's root: the phase again
		// (a payout asked once more), never a late span of the ended one,
		// since a phase after the setup ends its spans before its root.
		// (get evicted nothing: a trace with its root is in no pool.)
		tb, evicted = e.buf.restart(tb, s.HasEscrowID())
	}
	if evicted != nil {
		e.stats.DroppedTraces++
		e.log.Warn("jsonfile: dropped an unfinished trace: too many traces waiting for their root",
			"trace_id", evicted.id, "escrow", evicted.escrow, "max_traces", e.cfg.MaxTraces)
	}
	if tb.state == stateClosed {
		e.stats.DroppedSpans++
		return nil
	}
	isEscrowRoot := s.IsRoot() && s.HasEscrowID()
	// The escrow's root is kept beyond the bound: it is what completes the
	// trace, and one span more does not threaten memory.
	if len(tb.spans) >= e.cfg.MaxSpansPerTrace && !isEscrowRoot {
		e.stats.DroppedSpans++
		if !tb.overflowLogged {
			tb.overflowLogged = true
			e.log.Warn("jsonfile: dropping spans: trace has too many", "trace_id", tb.id, "max_spans_per_trace", e.cfg.MaxSpansPerTrace)
		}
		return nil
	}
	tb.spans = append(tb.spans, *s)
	switch {
	case isEscrowRoot:
		tb.escrowRoot = true
	case s.IsRoot():
		tb.foreignRoot = true
	}
	return tb
}

// write builds the trace's file and queues it for the writer; the caller
// holds e.mu and has made room (waitRoom). A trace that is no escrow's is
// skipped; one whose escrow.id is unsafe is refused and closed. The job is
// nil when nothing was queued.
func (e *Exporter) write(tb *traceBuf, incomplete bool) (*fileJob, error) {
	spans := make([]escrowtrace.Span, len(tb.spans))
	var conv spanconv.Converter
	for i := range tb.spans {
		spans[i] = conv.Span(&tb.spans[i])
	}
	f, err := escrowtrace.Build(spans, escrowtrace.BuildOptions{Incomplete: incomplete})
	switch {
	case errors.Is(err, escrowtrace.ErrNoEscrowID):
		return nil, nil // spans of some other trace waiting for a root that will be dropped
	case errors.Is(err, escrowtrace.ErrInvalidEscrowID):
		e.stats.RefusedIDs++
		e.log.Warn("jsonfile: refused a trace: escrow.id is not filename-safe", "trace_id", tb.id, "err", err)
		e.buf.close(tb)
		return nil, nil
	case err != nil:
		e.stats.WriteErrors++
		e.log.Error("jsonfile: cannot build escrow trace file", "trace_id", tb.id, "err", err)
		return nil, fmt.Errorf("jsonfile: %w", err)
	}
	if e.cfg.IncludeOTLP {
		// In start order, so that the section does not depend on the order
		// in which spans happened to arrive.
		slices.SortStableFunc(spans, func(a, b escrowtrace.Span) int {
			if c := a.Start.Compare(b.Start); c != 0 {
				return c
			}
			return strings.Compare(a.SpanID, b.SpanID)
		})
		if f.OTLP, err = escrowtrace.EncodeOTLP(spans); err != nil {
			e.stats.WriteErrors++
			return nil, fmt.Errorf("jsonfile: escrow %s: %w", f.EscrowID, err)
		}
	}
	name, err := escrow.FileName(f.EscrowID)
	if err != nil { // Build checked the ID already; kept as a last guard for paths
		e.stats.RefusedIDs++
		return nil, fmt.Errorf("jsonfile: %w", err)
	}
	j := &fileJob{tb: tb, incomplete: incomplete, escrowID: f.EscrowID, name: name, file: f}
	if tb.key.phase != "" {
		// A later phase: merged into the escrow's file by the writer, which
		// reads the file as the versions queued before this one left it.
		// From now on a rewrite of the setup merges too.
		j.merge, j.later = true, true
		if e.phased == nil {
			e.phased = map[string]bool{}
		}
		e.phased[f.EscrowID] = true
	} else if e.phased[f.EscrowID] {
		j.merge = true
	}
	if j.merge {
		j.data = e.spareBuf()
	} else {
		data, err := appendFile(e.spareBuf(), f)
		if err != nil {
			e.stats.WriteErrors++
			return nil, fmt.Errorf("jsonfile: escrow %s: %w", f.EscrowID, err)
		}
		j.data = append(data, '\n')
		e.lastSize = len(j.data)
	}
	if !incomplete {
		tb.gen++
		tb.needsWrite = false // unless the writer fails (finish)
	}
	j.gen = tb.gen
	tb.lastJob = j
	e.enqueue(j)
	return j, nil
}

// ForceFlush waits for the files already queued, then writes every escrow
// trace still waiting for its root as outcome "incomplete" (and keeps it: its
// complete file replaces that one later), and retries complete files whose
// write failed. It returns once all of them are durable, or with their errors.
func (e *Exporter) ForceFlush(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown { // Shutdown flushes; wait for what it queued
		return e.awaitQueued(ctx)
	}
	return e.flush(ctx)
}

func (e *Exporter) flush(ctx context.Context) error {
	// The files queued first: one that fails there is retried below.
	if err := e.awaitQueued(ctx); err != nil {
		return fmt.Errorf("jsonfile: flush: %w", err)
	}
	var work []*traceBuf
	e.buf.eachPending(func(tb *traceBuf) { work = append(work, tb) })
	e.buf.eachDone(func(tb *traceBuf) {
		if tb.needsWrite {
			work = append(work, tb)
		}
	})
	var errs []error
	var jobs []*fileJob
	for _, tb := range work {
		if err := ctx.Err(); err != nil {
			errs = append(errs, fmt.Errorf("jsonfile: flush: %w", err))
			break
		}
		if err := e.waitRoom(ctx); err != nil {
			errs = append(errs, fmt.Errorf("jsonfile: flush: %w", err))
			break
		}
		// States may have changed while waiting for room.
		switch {
		case tb.state == stateClosed: // refused by an earlier write, or evicted
			continue
		case tb.state == stateDone && !tb.needsWrite: // queued by ExportSpans meanwhile
			if tb.lastJob != nil {
				jobs = append(jobs, tb.lastJob)
			}
			continue
		}
		j, err := e.write(tb, tb.state == statePending)
		errs = append(errs, err)
		if j != nil {
			jobs = append(jobs, j)
		}
	}
	// Files queued before a cancellation are waited for too, as far as ctx lets.
	if len(jobs) > 0 {
		errs = append(errs, e.awaitFiles(ctx, jobs))
	}
	return errors.Join(errs...)
}

// Shutdown flushes like ForceFlush, refuses further spans, and returns once
// the writer goroutine has ended (or ctx is done; it ends when its queue is
// empty).
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown {
		return nil
	}
	e.shutdown = true
	err := e.flush(ctx)
	e.buf.reset()
	if exited := e.writerExited; exited != nil {
		e.mu.Unlock()
		select {
		case <-exited:
		case <-ctx.Done():
			err = errors.Join(err, fmt.Errorf("jsonfile: shutdown: writer still busy: %w", ctx.Err()))
		}
		e.mu.Lock()
	}
	return err
}

// Stats returns the counters.
func (e *Exporter) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Buffered = e.buf.pendingLen()
	return s
}
