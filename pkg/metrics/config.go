package metrics

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// OTLP protocols (OTEL_EXPORTER_OTLP_PROTOCOL / OTEL_EXPORTER_OTLP_METRICS_PROTOCOL).
const (
	ProtocolGRPC         = "grpc"
	ProtocolHTTPProtobuf = "http/protobuf"
)

// Config says whether metrics are recorded and where they go.
type Config struct {
	// Enabled turns metrics on; off records nothing at no cost.
	Enabled bool
	// Prometheus serves the metrics on Recorder.Handler.
	Prometheus bool
	// OTLP pushes them to OTEL_EXPORTER_OTLP_(METRICS_)ENDPOINT every
	// OTEL_METRIC_EXPORT_INTERVAL, over OTLPProtocol ("grpc", the default,
	// or "http/protobuf"). Console writes them to standard output.
	OTLP         bool
	OTLPProtocol string
	Console      bool

	// The resource, as package trace builds it: escrowd's defaults, then
	// OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME.
	ServiceName        string
	ServiceVersion     string
	ResourceAttributes string

	// Readers are added as they are, e.g. a metric.ManualReader in tests.
	Readers []sdkmetric.Reader

	Logger *slog.Logger

	exporterErr error
}

// ConfigFromEnv reads the standard environment: metrics are on with
// instrumentation (ENABLE_INSTRUMENTATION=1, not OTEL_SDK_DISABLED=true).
// OTEL_METRICS_EXPORTER lists prometheus (the default: the /metrics
// endpoint), otlp, console and none; "none" alone turns metrics off.
func ConfigFromEnv(getenv func(string) string) Config {
	c := Config{
		Enabled:            truthy(getenv("ENABLE_INSTRUMENTATION")) && !truthy(getenv("OTEL_SDK_DISABLED")),
		OTLPProtocol:       firstSet(getenv, "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL", "OTEL_EXPORTER_OTLP_PROTOCOL"),
		ServiceName:        strings.TrimSpace(getenv("OTEL_SERVICE_NAME")),
		ResourceAttributes: getenv("OTEL_RESOURCE_ATTRIBUTES"),
	}
	names := list(getenv("OTEL_METRICS_EXPORTER"))
	if len(names) == 0 {
		names = []string{"prometheus"}
	}
	none := false
	for _, n := range names {
		switch n {
		case "prometheus":
			c.Prometheus = true
		case "otlp":
			c.OTLP = true
		case "console":
			c.Console = true
		case "none":
			none = true
		default:
			c.exporterErr = errors.Join(c.exporterErr,
				fmt.Errorf("OTEL_METRICS_EXPORTER: unknown exporter %q (known: prometheus, otlp, console, none)", n))
		}
	}
	if none {
		c.Prometheus, c.OTLP, c.Console = false, false, false
	}
	if !c.Prometheus && !c.OTLP && !c.Console && c.exporterErr == nil {
		c.Enabled = false // "none": metrics off, as with instrumentation off
	}
	return c
}

// Exporting reports whether any exporter or reader is configured: escrowd
// turns metrics on when instrumentation is on (its --instrument flag) and
// this holds.
func (c Config) Exporting() bool {
	return c.Prometheus || c.OTLP || c.Console || len(c.Readers) > 0
}

// Validate checks the configuration before anything starts.
func (c Config) Validate() error {
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
	if !c.Prometheus && !c.OTLP && !c.Console && len(c.Readers) == 0 {
		return errors.New("metrics are on but no exporter is (OTEL_METRICS_EXPORTER)")
	}
	return nil
}

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
