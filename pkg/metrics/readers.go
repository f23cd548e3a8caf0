package metrics

import (
	"context"
	"errors"
	"fmt"
	"net/http"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"github.com/prometheus/otlptranslator"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetricgrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlpmetric/otlpmetrichttp"
	otelprom "go.opentelemetry.io/otel/exporters/prometheus"
	"go.opentelemetry.io/otel/exporters/stdout/stdoutmetric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
)

// newReaders builds the readers cfg asks for, and the /metrics handler when
// Prometheus is one of them. The Prometheus registry is escrowd's own, not
// the global one: /metrics shows escrowd's metrics and nothing else.
func newReaders(ctx context.Context, cfg Config) ([]sdkmetric.Reader, http.Handler, error) {
	var readers []sdkmetric.Reader
	undo := func() error {
		var err error
		for _, r := range readers {
			err = errors.Join(err, r.Shutdown(ctx))
		}
		return err
	}
	var handler http.Handler
	if cfg.Prometheus {
		reg := prometheus.NewRegistry()
		exp, err := otelprom.New(otelprom.WithRegisterer(reg),
			// Stable names for dashboards and alerts, whatever the
			// Prometheus library's default validation scheme becomes.
			otelprom.WithTranslationStrategy(otlptranslator.UnderscoreEscapingWithSuffixes))
		if err != nil {
			return nil, nil, fmt.Errorf("prometheus exporter: %w", err)
		}
		readers = append(readers, exp)
		handler = promhttp.HandlerFor(reg, promhttp.HandlerOpts{Registry: reg})
	}
	if cfg.OTLP {
		var exp sdkmetric.Exporter
		var err error
		switch cfg.OTLPProtocol {
		case ProtocolHTTPProtobuf:
			exp, err = otlpmetrichttp.New(ctx)
		default:
			exp, err = otlpmetricgrpc.New(ctx)
		}
		if err != nil {
			return nil, nil, errors.Join(fmt.Errorf("OTLP metric exporter: %w", err), undo())
		}
		// The interval: OTEL_METRIC_EXPORT_INTERVAL, read by the SDK.
		readers = append(readers, sdkmetric.NewPeriodicReader(exp))
	}
	if cfg.Console {
		exp, err := stdoutmetric.New()
		if err != nil {
			return nil, nil, errors.Join(fmt.Errorf("console metric exporter: %w", err), undo())
		}
		readers = append(readers, sdkmetric.NewPeriodicReader(exp))
	}
	return readers, handler, nil
}
