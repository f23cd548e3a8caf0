package trace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/escrowd/escrowd/pkg/exporters/jsonfile"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// instrumentationName names escrowd's tracer.
const instrumentationName = "github.com/escrowd/escrowd/pkg/trace"

// Provider is escrowd's tracing: a tracer provider (no-op when off) and the
// hooks that the coordinator and the wallet client take.
type Provider struct {
	cfg     Config
	enabled bool
	tp      trace.TracerProvider
	sdk     *sdktrace.TracerProvider // nil when off
	tracer  trace.Tracer
	files   *jsonfile.Exporter // nil unless the file exporter is on
	// sampling is in front of OTLP and the console; nil when neither is on.
	sampling *exportSampling
	prop     propagation.TextMapPropagator
	logger   *slog.Logger
}

// Setup builds the Provider from cfg. With cfg.Enabled false it starts nothing.
func Setup(ctx context.Context, cfg Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	cfg = cfg.withDefaults()
	prop, err := newPropagator(cfg.Propagators)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	p := &Provider{cfg: cfg, logger: cfg.Logger, prop: prop}
	if !cfg.Enabled {
		p.tp = noop.NewTracerProvider()
		p.tracer = p.tp.Tracer(instrumentationName)
		return p, nil
	}

	res, err := NewResource(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithIDGenerator(idGenerator{}),
		// Everything is recorded: the files are whole whatever the sampler
		// says, which applies at the export stage (exportSampling).
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
	}
	if cfg.File {
		// WaitForFiles: when an escrow's root span has ended, its file is
		// durable and readable (the API serves it as soon as the escrow is
		// ready), and its write error reaches OpenTelemetry's error handler.
		fe, err := jsonfile.New(jsonfile.Config{Dir: cfg.FileDir, IncludeOTLP: cfg.IncludeOTLP, Logger: cfg.Logger, WaitForFiles: true})
		if err != nil {
			return nil, fmt.Errorf("tracing: file exporter: %w", err)
		}
		p.files = fe
		// Synchronous: every span reaches the file, none is dropped by a full queue.
		opts = append(opts, sdktrace.WithSpanProcessor(fileSpans{fe}))
	}
	sampled, err := sampledExport(ctx, cfg)
	if err != nil {
		return nil, errors.Join(err, p.shutdownFiles(ctx))
	}
	if sampled != nil {
		p.sampling = sampled
		opts = append(opts, sdktrace.WithSpanProcessor(sampled))
	}
	for _, sp := range cfg.SpanProcessors {
		opts = append(opts, sdktrace.WithSpanProcessor(sp))
	}
	p.sdk = sdktrace.NewTracerProvider(opts...)
	p.tp = p.sdk
	p.tracer = p.tp.Tracer(instrumentationName)
	p.enabled = true
	return p, nil
}

// fileSpans hands each ended span to the file exporter on the goroutine that
// ends it, like the SDK's simple span processor, but without that
// processor's one lock around every export: an escrow's root waits for its
// own file (WaitForFiles) while other escrows' spans go on, and roots that
// end together share the writer's directory fsync. The exporter is safe for
// concurrent use.
type fileSpans struct{ exp *jsonfile.Exporter }

func (fileSpans) OnStart(context.Context, sdktrace.ReadWriteSpan) {}

func (f fileSpans) OnEnd(s sdktrace.ReadOnlySpan) {
	if !s.SpanContext().IsSampled() {
		return
	}
	err := f.exp.ExportSpans(context.Background(), []sdktrace.ReadOnlySpan{s})
	if err != nil && !errors.Is(err, jsonfile.ErrShutdown) { // spans ending during shutdown: ignored, as the SDK does
		otel.Handle(err)
	}
}

func (f fileSpans) Shutdown(ctx context.Context) error { return f.exp.Shutdown(ctx) }

// ForceFlush does nothing: Provider.ForceFlush flushes the file exporter
// after the SDK's processors, so that its error does not keep them from
// flushing.
func (fileSpans) ForceFlush(context.Context) error { return nil }

func (p *Provider) shutdownFiles(ctx context.Context) error {
	if p.files == nil {
		return nil
	}
	return p.files.Shutdown(ctx)
}

// Enabled reports whether instrumentation is on.
func (p *Provider) Enabled() bool { return p.enabled }

// TracerProvider is the provider to install (otel.SetTracerProvider) and to
// hand to other instrumentation, e.g. the HTTP server middleware.
func (p *Provider) TracerProvider() trace.TracerProvider { return p.tp }

// Propagator is what escrowd reads incoming requests' trace context with:
// OTEL_PROPAGATORS (Config.Propagators), by default W3C trace context and
// baggage.
func (p *Provider) Propagator() propagation.TextMapPropagator { return p.prop }

// ExportDropped counts the spans dropped from OTLP and console export
// because too many were held for escrows still running (Config.MaxHeldSpans).
// The files never lose a span.
func (p *Provider) ExportDropped() int64 {
	if p.sampling == nil {
		return 0
	}
	return p.sampling.Dropped()
}

// Files is the JSON-file exporter, or nil when it is off.
func (p *Provider) Files() *jsonfile.Exporter { return p.files }

// FileDir is where escrow_<id>.json files are written ("" when the file exporter is off).
func (p *Provider) FileDir() string {
	if p.files == nil {
		return ""
	}
	return p.cfg.FileDir
}

// Observer is the hook for multisig.Config.Observer.
func (p *Provider) Observer() multisig.Observer {
	if !p.enabled {
		return nil
	}
	return &observer{tracer: p.tracer, logger: p.logger}
}

// Middleware is the hook for multisig.Config.Middleware: a client span per
// wallet RPC call. With tracing off it is nil: calls take the bare path.
func (p *Provider) Middleware() walletrpc.Middleware {
	if !p.enabled {
		return nil
	}
	return rpcSpans(p.tracer)
}

// ForceFlush writes out what the exporters hold: the OTLP batch is sent,
// and escrows still running are written to their files as incomplete (they
// are rewritten whole when they end); it returns once the files are durable.
// The file exporter's processor does not pass ForceFlush on (as the SDK's
// simple processor does not), so the file exporter is flushed here.
func (p *Provider) ForceFlush(ctx context.Context) error {
	if p.sdk == nil {
		return nil
	}
	err := p.sdk.ForceFlush(ctx)
	if p.files != nil {
		err = errors.Join(err, p.files.ForceFlush(ctx))
	}
	return err
}

// Shutdown flushes and stops the exporters; unfinished escrows are written as
// incomplete. Safe to call on a disabled Provider.
func (p *Provider) Shutdown(ctx context.Context) error {
	if p.sdk == nil {
		return nil
	}
	return p.sdk.Shutdown(ctx)
}
