package trace

import (
	"context"
	"errors"
	"fmt"

	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/exporters/stdout/stdouttrace"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// sampledExport builds the exporters the sampler applies to (OTLP over gRPC
// or HTTP, the console), each behind a batch processor, and puts the export
// sampling in front of them. It returns nil when none is on, or when the
// sampler is always_off: then nothing is exported, and nothing is held.
func sampledExport(ctx context.Context, cfg Config) (*exportSampling, error) {
	if !cfg.OTLP && !cfg.Console {
		return nil, nil
	}
	sampler, err := parseSampler(cfg.Sampler, cfg.SamplerArg)
	if err != nil {
		return nil, fmt.Errorf("tracing: %w", err)
	}
	if cfg.Sampler == SamplerAlwaysOff {
		cfg.Logger.Info("OTEL_TRACES_SAMPLER=always_off: no span is exported; trace files are still written")
		return nil, nil
	}
	var procs []sdktrace.SpanProcessor
	undo := func() error {
		var err error
		for _, p := range procs {
			err = errors.Join(err, p.Shutdown(ctx))
		}
		return err
	}
	if cfg.OTLP {
		exp, err := otlpExporter(ctx, cfg)
		if err != nil {
			return nil, errors.Join(fmt.Errorf("tracing: OTLP exporter: %w", err), undo())
		}
		// Batched and non-blocking: a collector that is down costs dropped
		// spans on that path, never a slower escrow.
		procs = append(procs, sdktrace.NewBatchSpanProcessor(exp))
	}
	if cfg.Console {
		exp, err := stdouttrace.New()
		if err != nil {
			return nil, errors.Join(fmt.Errorf("tracing: console exporter: %w", err), undo())
		}
		procs = append(procs, sdktrace.NewBatchSpanProcessor(exp))
	}
	onDrop := func(first bool) {
		if first {
			cfg.Logger.Warn("spans dropped from export: too many held for running escrows; trace files keep them",
				"max_held_spans", cfg.MaxHeldSpans)
		}
	}
	return newExportSampling(sampler, cfg.MaxHeldSpans, onDrop, procs...), nil
}

// otlpExporter is the OTLP trace exporter of cfg.OTLPProtocol. Both read the
// other OTEL_EXPORTER_OTLP_* variables (endpoint, headers, timeout,
// certificates, compression) themselves.
func otlpExporter(ctx context.Context, cfg Config) (sdktrace.SpanExporter, error) {
	switch cfg.OTLPProtocol {
	case ProtocolHTTPProtobuf:
		var opts []otlptracehttp.Option
		if cfg.OTLPEndpoint != "" {
			opts = append(opts, otlptracehttp.WithEndpointURL(cfg.OTLPEndpoint))
		}
		return otlptracehttp.New(ctx, opts...)
	case ProtocolGRPC:
		var opts []otlptracegrpc.Option
		if cfg.OTLPEndpoint != "" {
			opts = append(opts, otlptracegrpc.WithEndpointURL(cfg.OTLPEndpoint))
		}
		return otlptracegrpc.New(ctx, opts...)
	}
	return nil, fmt.Errorf("protocol %q: want %s or %s", cfg.OTLPProtocol, ProtocolGRPC, ProtocolHTTPProtobuf)
}
