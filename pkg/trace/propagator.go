package trace

import (
	"fmt"

	"go.opentelemetry.io/contrib/propagators/autoprop"
	"go.opentelemetry.io/otel/propagation"
)

// newPropagator is the propagator OTEL_PROPAGATORS names (through the
// contrib registry: tracecontext, baggage, b3, b3multi, jaeger, xray,
// ottrace, none), or W3C trace context and baggage when it names none.
func newPropagator(names []string) (propagation.TextMapPropagator, error) {
	if len(names) == 0 {
		return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}), nil
	}
	p, err := autoprop.TextMapPropagator(names...)
	if err != nil {
		return nil, fmt.Errorf("OTEL_PROPAGATORS: %w", err)
	}
	return p, nil
}
