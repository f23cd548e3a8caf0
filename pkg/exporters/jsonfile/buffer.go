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

// traceKey names what the exporter buffers apart: one lifecycle phase of a
// trace. An escrow's phases are root spans of one trace, ending minutes or
// days apart; each is written (merged into the escrow's file) when its own
// root arrives. phase is the spans' escrow.phase, "" for the setup.
type traceKey struct {
	tid   trace.TraceID
	phase string
}

// traceBuf is one trace's spans (of one phase) and state.
type traceBuf struct {
	key   traceKey
	id    string // the trace ID in hex (and the phase after a slash), for logs and errors
	state traceState
	spans []spanconv.Kept
	elem  *list.Element // in the list of its state (and pool, while pending)

	// escrow is true once a span of the trace carries escrow.id (the wallet
	// RPC spans and the root do): a pending escrow trace is in the escrows'
	// pool, which other traffic cannot evict from.
	escrow         bool
	escrowRoot     bool // the escrow's root span has arrived
	foreignRoot    bool // a root without escrow.id has arrived
	needsWrite     bool // the complete file is not queued yet (or its write failed)
	overflowLogged bool // MaxSpansPerTrace was logged for this trace

	gen     uint64   // complete versions of its file queued so far
	lastJob *fileJob // the last version queued, to wait for
}

// buffer holds the traces by ID, with their states' lists oldest first.
// Traces waiting for their root are in one of two pools, each bounded by
// maxTraces: escrow traces (a span with escrow.id has arrived) and the
// others (HTTP requests, or an escrow's first spans before one with
// escrow.id). A new trace makes room only in its own pool, so no amount of
// other traffic evicts a running escrow's spans.
// Callers hold the exporter's lock.
type buffer struct {
	maxTraces int
	traces    map[traceKey]*traceBuf
	escrows   *list.List // pending escrow traces
	others    *list.List // pending traces not known to be an escrow's
	done      *list.List
	closed    *list.List
}

func newBuffer(maxTraces int) *buffer {
	return &buffer{
		maxTraces: maxTraces,
		traces:    make(map[traceKey]*traceBuf),
		escrows:   list.New(),
		others:    list.New(),
		done:      list.New(),
		closed:    list.New(),
	}
}

// get returns the trace, creating it pending if it is new, in the escrows'
// pool when escrow is true. A span with escrow.id moves a pending trace of
// the other pool to the escrows'. Making room in a pool evicts its oldest
// trace, which is returned.
func (b *buffer) get(id traceKey, escrow bool) (tb, evicted *traceBuf) {
	if tb := b.traces[id]; tb != nil {
		if escrow && tb.state == statePending && !tb.escrow {
			b.others.Remove(tb.elem)
			evicted = b.makeRoom(b.escrows)
			tb.escrow = true
			tb.elem = b.escrows.PushBack(tb)
		}
		return tb, evicted
	}
	pool := b.others
	if escrow {
		pool = b.escrows
	}
	evicted = b.makeRoom(pool)
	name := id.tid.String()
	if id.phase != "" {
		name += "/" + id.phase
	}
	tb = &traceBuf{key: id, id: name, state: statePending, escrow: escrow}
	tb.elem = pool.PushBack(tb)
	b.traces[id] = tb
	return tb, evicted
}

// restart forgets tb as its key's trace, keeping it in its list (a pending
// one is still written, a done one still counted among the recent), and
// returns a new pending trace for the key: the key's next instance.
func (b *buffer) restart(tb *traceBuf, escrow bool) (next, evicted *traceBuf) {
	if b.traces[tb.key] == tb {
		delete(b.traces, tb.key)
	}
	return b.get(tb.key, escrow)
}

// makeRoom closes the oldest trace of a full pending pool and returns it.
func (b *buffer) makeRoom(pool *list.List) *traceBuf {
	if pool.Len() < b.maxTraces {
		return nil
	}
	evicted := pool.Front().Value.(*traceBuf)
	b.close(evicted)
	return evicted
}

// pendingLen is the number of traces waiting for their root, in both pools.
func (b *buffer) pendingLen() int { return b.escrows.Len() + b.others.Len() }

// markDone moves a trace whose root arrived to the recently done ones,
// forgetting the spans of the oldest beyond recentWithSpans.
func (b *buffer) markDone(tb *traceBuf) {
	b.listOf(tb).Remove(tb.elem)
	tb.state = stateDone
	tb.elem = b.done.PushBack(tb)
	if b.done.Len() > recentWithSpans {
		b.close(b.done.Front().Value.(*traceBuf))
	}
}

// close forgets a trace's spans and keeps its ID for a while.
func (b *buffer) close(tb *traceBuf) {
	b.listOf(tb).Remove(tb.elem)
	tb.state = stateClosed
	tb.spans = nil
	tb.lastJob = nil
	tb.elem = b.closed.PushBack(tb)
	if b.closed.Len() > recentIDs {
		oldest := b.closed.Remove(b.closed.Front()).(*traceBuf)
		if b.traces[oldest.key] == oldest { // not restarted since
			delete(b.traces, oldest.key)
		}
	}
}

// reset forgets everything (after shutdown).
func (b *buffer) reset() {
	*b = *newBuffer(b.maxTraces)
}

// listOf is the list a trace is in: its state's, and its pool's while pending.
func (b *buffer) listOf(tb *traceBuf) *list.List {
	switch tb.state {
	case statePending:
		if tb.escrow {
			return b.escrows
		}
		return b.others
	case stateDone:
		return b.done
	default:
		return b.closed
	}
}

// eachPending calls fn for the pending traces, escrows' first, oldest first
// in each pool; fn may not change states.
func (b *buffer) eachPending(fn func(*traceBuf)) {
	for _, l := range []*list.List{b.escrows, b.others} {
		for el := l.Front(); el != nil; el = el.Next() {
			fn(el.Value.(*traceBuf))
		}
	}
}

// eachDone calls fn for the done traces, oldest first; fn may not change states.
func (b *buffer) eachDone(fn func(*traceBuf)) {
	for el := b.done.Front(); el != nil; el = el.Next() {
		fn(el.Value.(*traceBuf))
	}
}
