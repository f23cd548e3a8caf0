package trace

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// OTLP protocols (OTEL_EXPORTER_OTLP_PROTOCOL / OTEL_EXPORTER_OTLP_TRACES_PROTOCOL).
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
)

// DefaultMaxHeldSpans bounds the spans the export sampling holds while their
// escrows run (see Config.MaxHeldSpans): about 200 escrows of ~80 spans.
const DefaultMaxHeldSpans = 16384

// Config says whether and where escrow traces go.
type Config struct {
	// Enabled turns instrumentation on; off means the no-op provider.
	Enabled bool
	// ServiceName and ServiceVersion are escrowd's defaults for the resource
	// ("escrowd", "dev"); ResourceAttributes (OTEL_RESOURCE_ATTRIBUTES) is
	// applied over them, and a ServiceName that ConfigFromEnv took from
	// OTEL_SERVICE_NAME over that, as the specification orders them.
	ServiceName        string
	ServiceVersion     string
	ResourceAttributes string

	// File turns the JSON-file exporter on, writing escrow_<id>.json to FileDir
	// (default "./traces"). IncludeOTLP adds the lossless otlp section. The
	// file exporter gets every span: the sampler does not apply to it.
	File        bool
	FileDir     string
	IncludeOTLP bool

	// OTLP turns the OTLP exporter on, over OTLPProtocol: "grpc" (the
	// default, escrowd's historical one) or "http/protobuf". OTLPEndpoint,
	// when set, is its endpoint URL; otherwise the exporter reads
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT and the
	// other OTEL_EXPORTER_OTLP_* variables itself.
	OTLP         bool
	OTLPEndpoint string
	OTLPProtocol string
	// Console writes the exported spans to standard output
	// (OTEL_TRACES_EXPORTER=console).
	Console bool

	// Sampler and SamplerArg are OTEL_TRACES_SAMPLER and its _ARG. The
	// sampler decides which spans reach OTLP and the console, never which
	// spans are recorded or written to files; a failed escrow is always
	// exported whole (see the package documentation). "always_off" exports
	// nothing. Empty: parentbased_always_on.
	Sampler    string
	SamplerArg string
	// MaxHeldSpans bounds the spans held until their escrow ends (default
	// DefaultMaxHeldSpans); spans past it are dropped from export and counted.
	MaxHeldSpans int

	// Propagators are the OTEL_PROPAGATORS names (tracecontext, baggage, b3,
	// b3multi, jaeger, xray, ottrace, none) that incoming requests are read
	// with; empty means tracecontext and baggage.
	Propagators []string

	// SpanProcessors are added to the provider as they are, e.g. a
	// tracetest.SpanRecorder in tests or another sink of the operator's. They
	// get every span: the sampler does not apply to them.
	SpanProcessors []sdktrace.SpanProcessor

	Logger *slog.Logger

	// exporterErr is an OTEL_TRACES_EXPORTER name ConfigFromEnv did not know.
	exporterErr error
}

// ConfigFromEnv reads the standard environment. ENABLE_INSTRUMENTATION=1
// turns tracing on and OTEL_SDK_DISABLED=true off again. OTEL_TRACES_EXPORTER
// is a list of otlp, console and none; when it is unset, OTLP is on when an
// endpoint variable (OTEL_EXPORTER_OTLP_ENDPOINT or _TRACES_ENDPOINT) is set:
// escrowd's own sink, the trace files, needs no collector.
// OTEL_EXPORTER_OTLP_TRACES_PROTOCOL or OTEL_EXPORTER_OTLP_PROTOCOL chooses
// gRPC (default) or HTTP. OTEL_TRACES_SAMPLER(_ARG), OTEL_PROPAGATORS,
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES are honoured as the
// specification says. ESCROWD_TRACE_FILES=0 turns the file exporter off;
// ESCROWD_TRACES_DIR sets its directory and ESCROWD_TRACE_OTLP_SECTION=1 adds
// the lossless otlp section to the files (about five times their size).
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{
		Enabled:            truthy(getenv("ENABLE_INSTRUMENTATION")) && !truthy(getenv("OTEL_SDK_DISABLED")),
		ServiceName:        strings.TrimSpace(getenv("OTEL_SERVICE_NAME")),
		ResourceAttributes: getenv("OTEL_RESOURCE_ATTRIBUTES"),
		File:               getenv("ESCROWD_TRACE_FILES") == "" || truthy(getenv("ESCROWD_TRACE_FILES")),
		FileDir:            getenv("ESCROWD_TRACES_DIR"),
		IncludeOTLP:        truthy(getenv("ESCROWD_TRACE_OTLP_SECTION")),
		OTLPProtocol:       firstSet(getenv, "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"),
		Sampler:            strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER")),
		SamplerArg:         strings.TrimSpace(getenv("OTEL_TRACES_SAMPLER_ARG")),
		Propagators:        list(getenv("OTEL_PROPAGATORS")),
	}
	names := list(getenv("OTEL_TRACES_EXPORTER"))
	if len(names) == 0 {
		c.OTLP = firstSet(getenv, "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT") != ""
	}
	none := false
	for _, n := range names {
		switch n {
		case "otlp":
			c.OTLP = true
		case "console":
			c.Console = true
		case "none":
			none = true
		default:
			c.exporterErr = errors.Join(c.exporterErr,
				fmt.Errorf("OTEL_TRACES_EXPORTER: unknown exporter %q (known: otlp, console, none)", n))
		}
	}
	if none {
		c.OTLP, c.Console = false, false
	}
	return c
}

// list splits a comma-separated environment value, trimmed, without empties.
func list(s string) []string {
	var out []string
	for _, e := range strings.Split(s, ",") {
		if e = strings.TrimSpace(e); e != "" {
			out = append(out, e)
		}
	}
	return out
}

func firstSet(getenv func(string) string, keys ...string) string {
	for _, k := range keys {
		if v := strings.TrimSpace(getenv(k)); v != "" {
			return v
		}
	}
	return ""
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// Validate checks the configuration before anything starts. The propagators
// are checked even with instrumentation off: requests are read with them.
func (c Config) Validate() error {
	if _, err := newPropagator(c.Propagators); err != nil {
		return err
	}
	if !c.Enabled {
		return nil
	}
	if c.exporterErr != nil {
		return c.exporterErr
	}
	switch c.OTLPProtocol {
	case "", ProtocolGRPC, ProtocolHTTPProtobuf:
	default:
		return fmt.Errorf("OTLP protocol %q: want %s or %s (OTEL_EXPORTER_OTLP_PROTOCOL)", c.OTLPProtocol, ProtocolGRPC, ProtocolHTTPProtobuf)
	}
	if _, err := parseSampler(c.Sampler, c.SamplerArg); err != nil {
		return err
	}
	if _, err := parseResourceAttributes(c.ResourceAttributes); err != nil {
		return err
	}
	if c.MaxHeldSpans < 0 {
		return fmt.Errorf("max held spans %d: must be >= 0", c.MaxHeldSpans)
	}
	if !c.File && !c.OTLP && !c.Console && len(c.SpanProcessors) == 0 {
		return errors.New("instrumentation is on but no exporter is: enable the file exporter or set an OTLP endpoint")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.ServiceVersion == "" {
		c.ServiceVersion = "dev"
	}
	if c.FileDir == "" {
		c.FileDir = "./traces"
	}
	if c.OTLPProtocol == "" {
		c.OTLPProtocol = ProtocolGRPC
	}
	if c.MaxHeldSpans == 0 {
		c.MaxHeldSpans = DefaultMaxHeldSpans
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
