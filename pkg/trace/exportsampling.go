package trace

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// exportSampling is the span processor in front of the sampled exporters
// (OTLP, console). The provider records every span, so that the trace files
// are whole; the sampler applies here, at the export stage, in a way that
// keeps whole traces and every failed escrow:
//
//   - The spans of an escrow (below a root span that carries escrow.id) are
//     held until that root ends. Then all of them are exported if the root
//     failed (status Error), otherwise as the sampler decides on the root
//     (for the ratio samplers: on the trace ID, so every phase of one escrow
//     gets the same answer).
//   - Any other trace (an HTTP request) is decided when its local root
//     starts, with its remote parent if it has one, and its spans follow.
//
// Held spans are bounded by maxHeld across all escrows: past it a span is
// dropped from export (never from the files) and counted. Spans still held
// at Shutdown belong to escrows that did not end: they are exported.
//
// OnStart and OnEnd are called by the SDK from any goroutine; they take one
// short lock. OnStart is not passed on: the SDK's batch and simple
// processors do nothing on it.
type exportSampling struct {
	next    []sdktrace.SpanProcessor
	sampler sdktrace.Sampler
	maxHeld int
	onDrop  func(first bool) // called on every drop; first is true once

	mu    sync.Mutex
	live  map[trace.SpanID]*sampledGroup // spans started, not yet ended
	held  int
	drops atomic.Int64
}

// sampledGroup is a local trace's spans: an escrow's until its root ends,
// or a request's.
type sampledGroup struct {
	escrow  bool
	decided bool
	export  bool
	held    []sdktrace.ReadOnlySpan
}

func newExportSampling(sampler sdktrace.Sampler, maxHeld int, onDrop func(bool), next ...sdktrace.SpanProcessor) *exportSampling {
	if onDrop == nil {
		onDrop = func(bool) {}
	}
	return &exportSampling{next: next, sampler: sampler, maxHeld: maxHeld, onDrop: onDrop,
		live: map[trace.SpanID]*sampledGroup{}}
}

func (p *exportSampling) OnStart(_ context.Context, s sdktrace.ReadWriteSpan) {
	parent := s.Parent()
	p.mu.Lock()
	var g *sampledGroup
	if parent.IsValid() && !parent.IsRemote() {
		g = p.live[parent.SpanID()]
	}
	p.mu.Unlock()
	if g == nil {
		switch {
		case !parent.IsValid() && isEscrowRoot(s):
			g = &sampledGroup{escrow: true}
		case parent.IsRemote():
			g = &sampledGroup{decided: true, export: p.sample(trace.ContextWithRemoteSpanContext(context.Background(), parent), s)}
		default:
			// A local root, or a child whose parent is no longer live:
			// decided as a root on its trace ID.
			g = &sampledGroup{decided: true, export: p.sample(context.Background(), s)}
		}
	}
	p.mu.Lock()
	p.live[s.SpanContext().SpanID()] = g
	p.mu.Unlock()
}

func isEscrowRoot(s sdktrace.ReadOnlySpan) bool {
	for _, kv := range s.Attributes() {
		if kv.Key == escrowtrace.AttrEscrowID {
			return true
		}
	}
	return false
}

func (p *exportSampling) sample(parent context.Context, s sdktrace.ReadOnlySpan) bool {
	r := p.sampler.ShouldSample(sdktrace.SamplingParameters{
		ParentContext: parent, TraceID: s.SpanContext().TraceID(),
		Name: s.Name(), Kind: s.SpanKind(), Attributes: s.Attributes(),
	})
	return r.Decision == sdktrace.RecordAndSample
}

func (p *exportSampling) OnEnd(s sdktrace.ReadOnlySpan) {
	id := s.SpanContext().SpanID()
	root := !s.Parent().IsValid()
	var export bool
	if root {
		// Decided before the lock: the sampler is pure and may be slow.
		export = s.Status().Code == codes.Error || p.sample(context.Background(), s)
	}
	p.mu.Lock()
	g := p.live[id]
	delete(p.live, id)
	switch {
	case g == nil: // started before this processor was there
		p.mu.Unlock()
		return
	case g.decided:
		p.mu.Unlock()
		if g.export {
			p.pass(s)
		}
		return
	case !root || !g.escrow:
		if p.held >= p.maxHeld {
			p.mu.Unlock()
			p.onDrop(p.drops.Add(1) == 1)
			return
		}
		g.held = append(g.held, s)
		p.held++
		p.mu.Unlock()
		return
	}
	held := g.held
	g.held, g.decided, g.export = nil, true, export
	p.held -= len(held)
	p.mu.Unlock()
	if export {
		for _, h := range held {
			p.pass(h)
		}
		p.pass(s)
	}
}

func (p *exportSampling) pass(s sdktrace.ReadOnlySpan) {
	for _, n := range p.next {
		n.OnEnd(s)
	}
}

// Dropped is how many spans were dropped from export because maxHeld spans
// were held.
func (p *exportSampling) Dropped() int64 { return p.drops.Load() }

// Shutdown exports what is still held (escrows that did not end), then
// shuts the next processors down.
func (p *exportSampling) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	var held []sdktrace.ReadOnlySpan
	seen := map[*sampledGroup]bool{}
	for _, g := range p.live {
		if !g.decided && !seen[g] {
			seen[g] = true
			held = append(held, g.held...)
			g.held, g.decided, g.export = nil, true, true
		}
	}
	p.held = 0
	p.mu.Unlock()
	for _, h := range held {
		p.pass(h)
	}
	var err error
	for _, n := range p.next {
		err = errors.Join(err, n.Shutdown(ctx))
	}
	return err
}

// ForceFlush flushes the next processors; held spans stay held, as their
// escrows have not decided yet.
func (p *exportSampling) ForceFlush(ctx context.Context) error {
	var err error
	for _, n := range p.next {
		err = errors.Join(err, n.ForceFlush(ctx))
	}
	return err
}
