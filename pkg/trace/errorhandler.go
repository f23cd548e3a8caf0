package trace

import (
	"log/slog"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
)

// quietErrors is the OpenTelemetry error handler escrowd installs: export
// failures (a collector that is down, a full disk) come once per failure and
// per span batch; the log gets the first, then at most one line per interval
// saying how many more there were.
type quietErrors struct {
	logger   *slog.Logger
	interval time.Duration

	mu         sync.Mutex
	last       time.Time
	suppressed int
}

func (q *quietErrors) Handle(err error) {
	q.mu.Lock()
	now := time.Now()
	if !q.last.IsZero() && now.Sub(q.last) < q.interval {
		q.suppressed++
		q.mu.Unlock()
		return
	}
	n := q.suppressed
	q.last, q.suppressed = now, 0
	q.mu.Unlock()
	q.logger.Warn("trace export failed", "err", err, "similar_errors_since_last_report", n)
}

// InstallGlobal makes p the global tracer provider and W3C trace context the
// global propagator, and rate-limits OpenTelemetry's error log to one line per
// interval (default a minute). It is the one piece of global state escrowd has.
func (p *Provider) InstallGlobal(interval time.Duration) {
	if interval <= 0 {
		interval = time.Minute
	}
	otel.SetTracerProvider(p.tp)
	otel.SetTextMapPropagator(p.Propagator())
	otel.SetErrorHandler(&quietErrors{logger: p.logger, interval: interval})
}
