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

	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/exporters/jsonfile/internal/spanconv"
)

// ErrShutdown is returned by ExportSpans after Shutdown.
var ErrShutdown = errors.New("jsonfile: exporter is shut down")

// Exporter writes one escrow_<id>.json per escrow trace. It implements
// sdktrace.SpanExporter: the SDK calls it synchronously, possibly from several
// goroutines, and never retries; all methods are safe for concurrent use.
type Exporter struct {
	cfg Config
	log *slog.Logger

	mu       sync.Mutex // guards everything below, and serialises file writes
	buf      *buffer
	stats    Stats
	failing  bool // the last write failed: the failure was logged once
	shutdown bool

	out    []byte // the last file's bytes, its array reused for the next (writes hold mu)
	noSync bool   // benchmarks only: write without fsync, to measure what durability costs
}

// maxKeptOutput bounds the encoding buffer kept between writes: a typical
// file is 33 KB (160 KB with the otlp section); a huge one is not kept.
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
	return &Exporter{cfg: cfg, log: cfg.Logger, buf: newBuffer(cfg.MaxTraces)}, nil
}

// ExportSpans takes in a batch of finished spans of any traces, in any order,
// and writes the file of every escrow whose root span is in the batch (after
// the whole batch is in, since a batch may hold a root before its children),
// and rewrites the file of a recent escrow that a late span belongs to. It
// returns the write errors; escrows go on regardless.
func (e *Exporter) ExportSpans(ctx context.Context, spans []sdktrace.ReadOnlySpan) error {
	// Taking what is kept outside the lock lets concurrent callers overlap.
	kept := make([]spanconv.Kept, len(spans))
	for i, ro := range spans {
		kept[i] = spanconv.Keep(ro, e.cfg.IncludeOTLP)
	}

	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown {
		return ErrShutdown
	}
	var touched []*traceBuf
	inBatch := make(map[*traceBuf]bool)
	for i := range kept {
		if tb := e.take(&kept[i]); tb != nil && !inBatch[tb] {
			inBatch[tb] = true
			touched = append(touched, tb)
		}
	}

	var errs []error
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
			if err := ctx.Err(); err != nil {
				errs = append(errs, fmt.Errorf("jsonfile: trace %s not written: %w", tb.id, err))
				continue // stays needsWrite: ForceFlush retries
			}
			errs = append(errs, e.write(tb, false))
		}
	}
	return errors.Join(errs...)
}

// take adds one span to its trace, or drops it; it returns the trace when the
// span was kept.
func (e *Exporter) take(s *spanconv.Kept) *traceBuf {
	tb, evicted := e.buf.get(s.TraceID())
	if evicted != nil {
		e.stats.DroppedTraces++
		e.log.Warn("jsonfile: dropped an unfinished trace: too many traces waiting for their root",
			"trace_id", evicted.id, "max_traces", e.cfg.MaxTraces)
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

// write builds the trace's file and replaces it on disk. A trace that is no
// escrow's is skipped; one whose escrow.id is unsafe is refused and closed.
func (e *Exporter) write(tb *traceBuf, incomplete bool) error {
	spans := make([]escrowtrace.Span, len(tb.spans))
	var conv spanconv.Converter
	for i := range tb.spans {
		spans[i] = conv.Span(&tb.spans[i])
	}
	f, err := escrowtrace.Build(spans, escrowtrace.BuildOptions{Incomplete: incomplete})
	switch {
	case errors.Is(err, escrowtrace.ErrNoEscrowID):
		return nil // spans of some other trace waiting for a root that will be dropped
	case errors.Is(err, escrowtrace.ErrInvalidEscrowID):
		e.stats.RefusedIDs++
		e.log.Warn("jsonfile: refused a trace: escrow.id is not filename-safe", "trace_id", tb.id, "error", err)
		e.buf.close(tb)
		return nil
	case err != nil:
		e.stats.WriteErrors++
		e.log.Error("jsonfile: cannot build escrow trace file", "trace_id", tb.id, "error", err)
		return fmt.Errorf("jsonfile: %w", err)
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
			return fmt.Errorf("jsonfile: escrow %s: %w", f.EscrowID, err)
		}
	}
	data, err := appendFile(e.out[:0], f)
	if err != nil {
		e.stats.WriteErrors++
		return fmt.Errorf("jsonfile: escrow %s: %w", f.EscrowID, err)
	}
	data = append(data, '\n')
	if cap(data) <= maxKeptOutput {
		e.out = data // reused by the next write
	}
	name, err := escrowtrace.FileName(f.EscrowID)
	if err != nil { // Build checked the ID already; kept as a last guard for paths
		e.stats.RefusedIDs++
		return fmt.Errorf("jsonfile: %w", err)
	}
	if err := writeAtomic(e.cfg.Dir, name, data, e.noSync); err != nil {
		e.stats.WriteErrors++
		if !e.failing {
			e.failing = true
			e.log.Error("jsonfile: cannot write escrow trace files; further failures are not logged until a write succeeds",
				"dir", e.cfg.Dir, "escrow_id", f.EscrowID, "error", err)
		}
		return fmt.Errorf("jsonfile: escrow %s: %w", f.EscrowID, err)
	}
	e.stats.FilesWritten++
	if e.failing {
		e.failing = false
		e.log.Info("jsonfile: writing escrow trace files works again", "dir", e.cfg.Dir)
	}
	if !incomplete {
		tb.needsWrite = false
	}
	return nil
}

// ForceFlush writes every escrow trace still waiting for its root as outcome
// "incomplete" (and keeps it: its complete file replaces that one later), and
// retries complete files whose write failed.
func (e *Exporter) ForceFlush(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown {
		return nil
	}
	return e.flush(ctx)
}

func (e *Exporter) flush(ctx context.Context) error {
	var work []*traceBuf
	e.buf.each(statePending, func(tb *traceBuf) { work = append(work, tb) })
	e.buf.each(stateDone, func(tb *traceBuf) {
		if tb.needsWrite {
			work = append(work, tb)
		}
	})
	var errs []error
	for _, tb := range work {
		if err := ctx.Err(); err != nil {
			return errors.Join(append(errs, fmt.Errorf("jsonfile: flush: %w", err))...)
		}
		if tb.state == stateClosed { // refused by an earlier write in this loop
			continue
		}
		errs = append(errs, e.write(tb, tb.state == statePending))
	}
	return errors.Join(errs...)
}

// Shutdown flushes like ForceFlush, then refuses further spans.
func (e *Exporter) Shutdown(ctx context.Context) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.shutdown {
		return nil
	}
	err := e.flush(ctx)
	e.shutdown = true
	e.buf.reset()
	return err
}

// Stats returns the counters.
func (e *Exporter) Stats() Stats {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := e.stats
	s.Buffered = e.buf.pending.Len()
	return s
}
