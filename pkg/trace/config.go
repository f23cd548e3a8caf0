package trace

import (
	"errors"
	"log/slog"
	"strings"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
)

// Config says whether and where escrow traces go.
type Config struct {
	// Enabled turns instrumentation on; off means the no-op provider.
	Enabled bool
	// ServiceName defaults to "escrowd"; ServiceVersion to "dev".
	ServiceName    string
	ServiceVersion string

	// File turns the JSON-file exporter on, writing escrow_<id>.json to FileDir
	// (default "./traces"). IncludeOTLP adds the lossless otlp section.
	File        bool
	FileDir     string
	IncludeOTLP bool

	// OTLP turns the OTLP gRPC exporter on. OTLPEndpoint, when set, is its
	// endpoint URL (http://host:4317 is plaintext); otherwise the exporter reads
	// OTEL_EXPORTER_OTLP_TRACES_ENDPOINT / OTEL_EXPORTER_OTLP_ENDPOINT itself.
	OTLP         bool
	OTLPEndpoint string

	// SpanProcessors are added to the provider as they are, e.g. a
	// tracetest.SpanRecorder in tests or another sink of the operator's.
	SpanProcessors []sdktrace.SpanProcessor

	Logger *slog.Logger
}

// ConfigFromEnv reads the standard environment: ENABLE_INSTRUMENTATION=1 turns
// tracing on and OTEL_SDK_DISABLED=true off again; OTEL_SERVICE_NAME names the
// service; an OTLP endpoint variable, or OTEL_TRACES_EXPORTER=otlp, turns the
// OTLP exporter on; ESCROWD_TRACE_FILES=0 turns the file exporter off;
// ESCROWD_TRACES_DIR sets its directory and ESCROWD_TRACE_OTLP_SECTION=1 adds the
// lossless otlp section to the files (about five times their size).
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{
		Enabled:     truthy(getenv("ENABLE_INSTRUMENTATION")) && !truthy(getenv("OTEL_SDK_DISABLED")),
		ServiceName: getenv("OTEL_SERVICE_NAME"),
		File:        getenv("ESCROWD_TRACE_FILES") == "" || truthy(getenv("ESCROWD_TRACE_FILES")),
		FileDir:     getenv("ESCROWD_TRACES_DIR"),
		IncludeOTLP: truthy(getenv("ESCROWD_TRACE_OTLP_SECTION")),
	}
	if ep := getenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"); ep != "" {
		c.OTLP = true
	} else if ep := getenv("OTEL_EXPORTER_OTLP_ENDPOINT"); ep != "" {
		c.OTLP = true
	}
	for _, e := range strings.Split(getenv("OTEL_TRACES_EXPORTER"), ",") {
		switch strings.TrimSpace(e) {
		case "otlp":
			c.OTLP = true
		case "none":
			c.OTLP = false
		}
	}
	return c
}

func truthy(s string) bool {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "1", "true", "yes", "on":
		return true
	}
	return false
}

// Validate checks the configuration before anything starts.
func (c Config) Validate() error {
	if !c.Enabled {
		return nil
	}
	if !c.File && !c.OTLP && len(c.SpanProcessors) == 0 {
		return errors.New("instrumentation is on but no exporter is: enable the file exporter or set an OTLP endpoint")
	}
	return nil
}

func (c Config) withDefaults() Config {
	if c.ServiceName == "" {
		c.ServiceName = "escrowd"
	}
	if c.ServiceVersion == "" {
		c.ServiceVersion = "dev"
	}
	if c.FileDir == "" {
		c.FileDir = "./traces"
	}
	if c.Logger == nil {
		c.Logger = slog.New(slog.DiscardHandler)
	}
	return c
}
