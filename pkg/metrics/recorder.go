package metrics

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"go.opentelemetry.io/otel/metric"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/semconv/v1.43.0/rpcconv"

	"github.com/escrowd/escrowd/pkg/trace"
)

// instrumentationName names escrowd's meter.
const instrumentationName = "github.com/escrowd/escrowd/pkg/metrics"

// Recorder records escrowd's metrics. A Recorder with metrics off records
// nothing; all its methods are safe to call on it, and on a nil Recorder.
// All methods are safe for concurrent use.
type Recorder struct {
	enabled  bool
	provider *sdkmetric.MeterProvider // nil when off
	meter    metric.Meter
	handler  http.Handler
	logger   *slog.Logger

	escrows   metric.Int64Counter
	setup     metric.Float64Histogram
	payout    metric.Float64Histogram
	leaseWait metric.Float64Histogram
	rpc       rpcconv.ClientCallDuration
}

// Setup builds the Recorder from cfg. With cfg.Enabled false it starts nothing.
func Setup(ctx context.Context, cfg Config) (*Recorder, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	r := &Recorder{logger: cfg.Logger, handler: offHandler{}}
	if !cfg.Enabled {
		return r, nil
	}
	res, err := trace.NewResource(ctx, trace.Config{ServiceName: cfg.ServiceName,
		ServiceVersion: cfg.ServiceVersion, ResourceAttributes: cfg.ResourceAttributes})
	if err != nil {
		return nil, fmt.Errorf("metrics: resource: %w", err)
	}
	readers, handler, err := newReaders(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("metrics: %w", err)
	}
	opts := []sdkmetric.Option{sdkmetric.WithResource(res)}
	for _, rd := range append(readers, cfg.Readers...) {
		opts = append(opts, sdkmetric.WithReader(rd))
	}
	r.provider = sdkmetric.NewMeterProvider(opts...)
	r.meter = r.provider.Meter(instrumentationName)
	if handler != nil {
		r.handler = handler
	}
	if err := r.instruments(); err != nil {
		return nil, errors.Join(fmt.Errorf("metrics: %w", err), r.provider.Shutdown(ctx))
	}
	r.enabled = true
	return r, nil
}

// Seconds' buckets: a setup takes from about a second (warm reserve) to
// minutes (a loaded pool); a lease wait from nothing to the queue's limit.
var (
	escrowBuckets = []float64{0.5, 1, 2, 5, 10, 20, 30, 60, 120, 300, 600}
	waitBuckets   = []float64{0.001, 0.01, 0.1, 0.5, 1, 2, 5, 10, 30, 60, 120}
)

func (r *Recorder) instruments() error {
	var err, e error
	r.escrows, e = r.meter.Int64Counter(MetricEscrows, metric.WithUnit("{escrow}"),
		metric.WithDescription("Escrow phases that ended, by phase, mode, outcome and failure kind."))
	err = errors.Join(err, e)
	r.setup, e = r.meter.Float64Histogram(MetricSetupDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of an escrow's multisig setup, from its start to its end, waiting for servers included."),
		metric.WithExplicitBucketBoundaries(escrowBuckets...))
	err = errors.Join(err, e)
	r.payout, e = r.meter.Float64Histogram(MetricPayoutDuration, metric.WithUnit("s"),
		metric.WithDescription("Duration of an escrow's payout (release, refund or resolve)."),
		metric.WithExplicitBucketBoundaries(escrowBuckets...))
	err = errors.Join(err, e)
	r.leaseWait, e = r.meter.Float64Histogram(MetricLeaseWait, metric.WithUnit("s"),
		metric.WithDescription("Time an escrow waited for its wallet servers (leased mode) or the lock (global-lock mode)."),
		metric.WithExplicitBucketBoundaries(waitBuckets...))
	err = errors.Join(err, e)
	r.rpc, e = rpcconv.NewClientCallDuration(r.meter)
	return errors.Join(err, e)
}

// Enabled reports whether metrics are on.
func (r *Recorder) Enabled() bool { return r != nil && r.enabled }

// Handler serves the metrics in the Prometheus text format: mount it at
// /metrics, behind the API token when one is set. With metrics off, or
// without the prometheus exporter, it answers 404 saying so.
func (r *Recorder) Handler() http.Handler {
	if r == nil {
		return offHandler{}
	}
	return r.handler
}

type offHandler struct{}

func (offHandler) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	http.Error(w, "metrics are off: start escrowd with ENABLE_INSTRUMENTATION=1 (and OTEL_METRICS_EXPORTER including prometheus)", http.StatusNotFound)
}

// ForceFlush pushes what the OTLP reader holds.
func (r *Recorder) ForceFlush(ctx context.Context) error {
	if !r.Enabled() {
		return nil
	}
	return r.provider.ForceFlush(ctx)
}

// Shutdown flushes and stops the readers. Safe on a Recorder with metrics off.
func (r *Recorder) Shutdown(ctx context.Context) error {
	if !r.Enabled() {
		return nil
	}
	return r.provider.Shutdown(ctx)
}
