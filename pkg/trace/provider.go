package trace

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
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
	logger  *slog.Logger
}

// Setup builds the Provider from cfg. With cfg.Enabled false it starts nothing.
func Setup(ctx context.Context, cfg Config) (*Provider, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	cfg = cfg.withDefaults()
	p := &Provider{cfg: cfg, logger: cfg.Logger}
	if !cfg.Enabled {
		p.tp = noop.NewTracerProvider()
		p.tracer = p.tp.Tracer(instrumentationName)
		return p, nil
	}

	res, err := resource.Merge(resource.Default(), resource.NewWithAttributes(semconv.SchemaURL,
		semconv.ServiceName(cfg.ServiceName), semconv.ServiceVersion(cfg.ServiceVersion)))
	if err != nil {
		return nil, fmt.Errorf("tracing: resource: %w", err)
	}
	opts := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithIDGenerator(idGenerator{}),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
	}
	if cfg.File {
		fe, err := jsonfile.New(jsonfile.Config{Dir: cfg.FileDir, IncludeOTLP: cfg.IncludeOTLP, Logger: cfg.Logger})
		if err != nil {
			return nil, fmt.Errorf("tracing: file exporter: %w", err)
		}
		p.files = fe
		// Synchronous: every span reaches the file, none is dropped by a full queue.
		opts = append(opts, sdktrace.WithSpanProcessor(sdktrace.NewSimpleSpanProcessor(fe)))
	}
	if cfg.OTLP {
		var gopts []otlptracegrpc.Option
		if cfg.OTLPEndpoint != "" {
			gopts = append(gopts, otlptracegrpc.WithEndpointURL(cfg.OTLPEndpoint))
		}
		oe, err := otlptracegrpc.New(ctx, gopts...)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("tracing: OTLP exporter: %w", err), p.shutdownFiles(ctx))
		}
		// Batched and non-blocking: a collector that is down costs dropped spans
		// on that path, never a slower escrow.
		opts = append(opts, sdktrace.WithBatcher(oe))
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

// Propagator is the W3C trace-context propagator escrowd accepts requests with.
func (p *Provider) Propagator() propagation.TextMapPropagator {
	return propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{})
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
// are rewritten whole when they end). The SDK's simple processor does not
// pass ForceFlush on to its exporter, so the file exporter is flushed here.
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
