package trace

import (
	"context"
	"fmt"
	"net/url"
	"strings"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/resource"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

// NewResource describes escrowd (for traces and metrics alike), in the specification's order of
// precedence: escrowd's defaults (service.name "escrowd", service.version
// cfg.ServiceVersion), then OTEL_RESOURCE_ATTRIBUTES, then OTEL_SERVICE_NAME
// (cfg.ServiceName). The environment is read through cfg, not again here.
func NewResource(ctx context.Context, cfg Config) (*resource.Resource, error) {
	env, err := parseResourceAttributes(cfg.ResourceAttributes)
	if err != nil {
		return nil, err
	}
	// Later attributes win over earlier ones with the same key.
	version := cfg.ServiceVersion
	if version == "" {
		version = "dev"
	}
	attrs := []attribute.KeyValue{semconv.ServiceName("escrowd"), semconv.ServiceVersion(version)}
	attrs = append(attrs, env...)
	if cfg.ServiceName != "" {
		attrs = append(attrs, semconv.ServiceName(cfg.ServiceName))
	}
	return resource.New(ctx, resource.WithSchemaURL(semconv.SchemaURL), resource.WithTelemetrySDK(), resource.WithAttributes(attrs...))
}

// parseResourceAttributes reads OTEL_RESOURCE_ATTRIBUTES: key=value pairs
// separated by commas, values percent-encoded. A malformed pair is an error
// (the specification discards the whole value; escrowd refuses to start).
func parseResourceAttributes(s string) ([]attribute.KeyValue, error) {
	var attrs []attribute.KeyValue
	for _, pair := range strings.Split(s, ",") {
		if strings.TrimSpace(pair) == "" {
			continue
		}
		k, v, ok := strings.Cut(pair, "=")
		k = strings.TrimSpace(k)
		if !ok || k == "" {
			return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: %q is not key=value", pair)
		}
		val, err := url.PathUnescape(strings.TrimSpace(v))
		if err != nil {
			return nil, fmt.Errorf("OTEL_RESOURCE_ATTRIBUTES: value of %s: %w", k, err)
		}
		attrs = append(attrs, attribute.String(k, val))
	}
	return attrs, nil
}
