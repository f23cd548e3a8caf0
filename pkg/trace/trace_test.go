package trace

import (
	"context"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"
)

func TestConfigFromEnv(t *testing.T) {
	tests := []struct {
		name string
		env  map[string]string
		want Config
	}{
		{"default off", nil, Config{File: true}},
		{"on", map[string]string{"ENABLE_INSTRUMENTATION": "1"}, Config{Enabled: true, File: true}},
		{"sdk disabled wins", map[string]string{"ENABLE_INSTRUMENTATION": "true", "OTEL_SDK_DISABLED": "true"}, Config{File: true}},
		{"otlp from endpoint", map[string]string{"ENABLE_INSTRUMENTATION": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:4317"},
			Config{Enabled: true, File: true, OTLP: true}},
		{"otlp from traces endpoint", map[string]string{"ENABLE_INSTRUMENTATION": "1", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://c:4317"},
			Config{Enabled: true, File: true, OTLP: true}},
		{"exporter none", map[string]string{"ENABLE_INSTRUMENTATION": "1", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4317", "OTEL_TRACES_EXPORTER": "none"},
			Config{Enabled: true, File: true}},
		{"otlp section", map[string]string{"ENABLE_INSTRUMENTATION": "1", "ESCROWD_TRACE_OTLP_SECTION": "1"}, Config{Enabled: true, File: true, IncludeOTLP: true}},
		{"files off, dir, service", map[string]string{"ENABLE_INSTRUMENTATION": "yes", "ESCROWD_TRACE_FILES": "0", "ESCROWD_TRACES_DIR": "/t", "OTEL_SERVICE_NAME": "svc"},
			Config{Enabled: true, FileDir: "/t", ServiceName: "svc"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if got.Enabled != tt.want.Enabled || got.File != tt.want.File || got.OTLP != tt.want.OTLP ||
				got.IncludeOTLP != tt.want.IncludeOTLP || got.FileDir != tt.want.FileDir || got.ServiceName != tt.want.ServiceName {
				t.Fatalf("ConfigFromEnv = %+v, want %+v", got, tt.want)
			}
		})
	}
}

func TestValidateNeedsAnExporter(t *testing.T) {
	if err := (Config{Enabled: true}).Validate(); err == nil {
		t.Fatal("enabled with no exporter must be refused")
	}
	if err := (Config{}).Validate(); err != nil {
		t.Fatalf("off needs nothing: %v", err)
	}
}

func TestRootSpanTakesTheEscrowID(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(idGenerator{}), sdktrace.WithSpanProcessor(rec))
	tr := tp.Tracer("test")
	const escrowID = "0b6e3c4e-2f0a-4a57-9d0e-8f1f1c1a2b3c"

	// A parent from an HTTP request must not decide the escrow's trace ID.
	reqCtx, req := tr.Start(context.Background(), "request")
	ctx, root := tr.Start(withEscrowID(reqCtx, escrowID), "escrow.setup", trace.WithNewRoot())
	_, child := tr.Start(ctx, "create_wallet")
	child.End()
	root.End()
	req.End()
	_, other := tr.Start(context.Background(), "unrelated")
	other.End()

	want := "0b6e3c4e2f0a4a579d0e8f1f1c1a2b3c"
	spans := rec.Ended()
	if got := spans[0].SpanContext().TraceID().String(); got != want {
		t.Fatalf("child trace ID %s, want %s", got, want)
	}
	if got := spans[1].SpanContext().TraceID().String(); got != want {
		t.Fatalf("root trace ID %s, want %s", got, want)
	}
	if spans[2].SpanContext().TraceID().String() == want || spans[3].SpanContext().TraceID().String() == want {
		t.Fatal("a span outside the escrow took the escrow's trace ID")
	}
	if spans[2].SpanContext().TraceID() == spans[3].SpanContext().TraceID() {
		t.Fatal("random trace IDs repeat")
	}
}

func TestLinkRequest(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(idGenerator{}), sdktrace.WithSpanProcessor(rec))
	o := &observer{tracer: tp.Tracer("test"), logger: discard()}
	reqCtx, req := tp.Tracer("test").Start(context.Background(), "POST /api/escrow/init")
	req.End()
	ctx := o.StartEscrow(LinkRequest(context.Background(), reqCtx), escrowFor("e1"), "leased")
	o.EndEscrow(ctx, resultFor(""), nil)
	root := rec.Ended()[1]
	if len(root.Links()) != 1 || root.Links()[0].SpanContext.SpanID() != req.SpanContext().SpanID() {
		t.Fatalf("root links %+v, want the request span", root.Links())
	}
	if root.Parent().IsValid() {
		t.Fatal("the escrow root must start its own trace")
	}
}
