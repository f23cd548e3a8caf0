package trace

import (
	"context"

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
