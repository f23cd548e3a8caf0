package trace

import (
	"context"

	"github.com/escrowd/escrowd/pkg/escrow"

	"go.opentelemetry.io/otel/trace"
)

type linkKey struct{}

// LinkRequest returns dst carrying src's span (typically the HTTP request that
// asked for an escrow) so that the escrow's root span, which starts a trace of
// its own, links back to it.
func LinkRequest(dst, src context.Context) context.Context {
	sc := trace.SpanContextFromContext(src)
	if !sc.IsValid() {
		return dst
	}
	return context.WithValue(dst, linkKey{}, sc)
}

func linkFrom(ctx context.Context) (trace.Link, bool) {
	sc, ok := ctx.Value(linkKey{}).(trace.SpanContext)
	if !ok {
		return trace.Link{}, false
	}
	return trace.Link{SpanContext: sc}, true
}

type phaseKey struct{}

// withPhase marks ctx as within a lifecycle phase after the setup: its stage
// and RPC spans carry escrow.phase, so that every span of the phase says
// which phase it is (the file exporter files a phase's spans by it).
func withPhase(ctx context.Context, p escrow.Phase) context.Context {
	return context.WithValue(ctx, phaseKey{}, p)
}

// phaseFrom is the lifecycle phase ctx is within; false in the setup.
func phaseFrom(ctx context.Context) (escrow.Phase, bool) {
	p, ok := ctx.Value(phaseKey{}).(escrow.Phase)
	return p, ok
}
