package jsonfile

import (
	"container/list"

	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/exporters/jsonfile/internal/spanconv"
)

// How much the exporter remembers of traces it has finished with. A late span
// (one that ends after its escrow's root) rewrites the file, so the spans of
// the last few written traces are kept; beyond that only their IDs are, so
// that a late span is dropped instead of clobbering a complete file with a
// fragment.
const (
	recentWithSpans = 64
	recentIDs       = 4096
)

// traceState is where a trace is in its life in the exporter.
type traceState int

const (
	statePending traceState = iota // waiting for its root span
	stateDone                      // root arrived, file written (or to retry); spans kept
	stateClosed                    // nothing kept; late spans are dropped
)

// traceBuf is one trace's spans and state.
type traceBuf struct {
	tid   trace.TraceID
	id    string // tid in hex, for logs and errors
	state traceState
	spans []spanconv.Kept
	elem  *list.Element // in the list of its state

	escrowRoot     bool // the escrow's root span has arrived
	foreignRoot    bool // a root without escrow.id has arrived
	needsWrite     bool // the complete file is not queued yet (or its write failed)
	overflowLogged bool // MaxSpansPerTrace was logged for this trace

	gen     uint64   // complete versions of its file queued so far
	lastJob *fileJob // the last version queued, to wait for
}

// buffer holds the traces by ID, with their states' lists oldest first.
// Callers hold the exporter's lock.
type buffer struct {
	maxTraces int
	traces    map[trace.TraceID]*traceBuf
	pending   *list.List
	done      *list.List
	closed    *list.List
}

func newBuffer(maxTraces int) *buffer {
	return &buffer{
		maxTraces: maxTraces,
		traces:    make(map[trace.TraceID]*traceBuf),
		pending:   list.New(),
		done:      list.New(),
		closed:    list.New(),
	}
}

// get returns the trace, creating it pending if it is new. Making room for
// it may evict the oldest pending trace, which is returned.
func (b *buffer) get(id trace.TraceID) (tb, evicted *traceBuf) {
	if tb := b.traces[id]; tb != nil {
		return tb, nil
	}
	if b.pending.Len() >= b.maxTraces {
		evicted = b.pending.Front().Value.(*traceBuf)
		b.close(evicted)
	}
	tb = &traceBuf{tid: id, id: id.String(), state: statePending}
	tb.elem = b.pending.PushBack(tb)
	b.traces[id] = tb
	return tb, evicted
}

// markDone moves a trace whose root arrived to the recently done ones,
// forgetting the spans of the oldest beyond recentWithSpans.
func (b *buffer) markDone(tb *traceBuf) {
	b.listOf(tb.state).Remove(tb.elem)
	tb.state = stateDone
	tb.elem = b.done.PushBack(tb)
	if b.done.Len() > recentWithSpans {
		b.close(b.done.Front().Value.(*traceBuf))
	}
}

// close forgets a trace's spans and keeps its ID for a while.
func (b *buffer) close(tb *traceBuf) {
	b.listOf(tb.state).Remove(tb.elem)
	tb.state = stateClosed
	tb.spans = nil
	tb.lastJob = nil
	tb.elem = b.closed.PushBack(tb)
	if b.closed.Len() > recentIDs {
		oldest := b.closed.Remove(b.closed.Front()).(*traceBuf)
		delete(b.traces, oldest.tid)
	}
}

// reset forgets everything (after shutdown).
func (b *buffer) reset() {
	*b = *newBuffer(b.maxTraces)
}

func (b *buffer) listOf(s traceState) *list.List {
	switch s {
	case statePending:
		return b.pending
	case stateDone:
		return b.done
	default:
		return b.closed
	}
}

// each calls fn for the traces of a state, oldest first; fn may not change states.
func (b *buffer) each(s traceState, fn func(*traceBuf)) {
	for el := b.listOf(s).Front(); el != nil; el = el.Next() {
		fn(el.Value.(*traceBuf))
	}
}
