package jaegertest_test

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/escrowd/escrowd/internal/jaegertest"
)

// An end-to-end test exports to its own Jaeger and reads the trace back.
// (Not run as an example: it needs the test's t.)
func ExampleStart() {
	var t *testing.T // the test's own t
	ctx := context.Background()

	j := jaegertest.Start(t)
	exp, err := otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(j.OTLPEndpoint()), otlptracegrpc.WithInsecure())
	if err != nil {
		t.Fatal(err)
	}
	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
	_, span := tp.Tracer("example").Start(ctx, "escrow.setup")
	traceID := span.SpanContext().TraceID().String()
	span.End()
	if err := tp.Shutdown(ctx); err != nil { // flushes the batch
		t.Fatal(err)
	}

	if _, err := j.WaitTrace(ctx, traceID, 1); err != nil {
		t.Fatal(err)
	}
	otlpJSON, status, err := j.TraceV3(ctx, traceID) // what the analyzer parses
	_, _, _ = otlpJSON, status, err
}
