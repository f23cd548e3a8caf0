package metrics

import (
	"context"
	"fmt"
	"sort"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

// Census is the escrows at a glance, as the caller's store counts them.
type Census struct {
	// ByStatus is how many escrows are in each status; every status the
	// store knows should be there, zeros included, so that its series
	// exists before the first escrow reaches it.
	ByStatus map[string]int
	// OldestPayoutAge is how long the oldest payout still in flight has
	// run; 0 when none is.
	OldestPayoutAge time.Duration
}

// ObserveEscrows reports census at each collection: escrows by status
// (MetricEscrowsCurrent) and the age of the oldest payout in flight
// (MetricPayoutInFlightAge). A census that fails skips that collection's
// observations and goes to OpenTelemetry's error handler. Call it once;
// with metrics off it does nothing.
func (r *Recorder) ObserveEscrows(census func(context.Context) (Census, error)) error {
	if !r.Enabled() || census == nil {
		return nil
	}
	current, err := r.meter.Int64ObservableGauge(MetricEscrowsCurrent, metric.WithUnit("{escrow}"),
		metric.WithDescription("Escrows in each status now."))
	if err != nil {
		return fmt.Errorf("metrics: escrows gauge: %w", err)
	}
	age, err := r.meter.Float64ObservableGauge(MetricPayoutInFlightAge, metric.WithUnit("s"),
		metric.WithDescription("How long the oldest payout still paying_out has run (0: none). A signed payout is resumed until the daemon has it, never given up: alert when this grows."))
	if err != nil {
		return fmt.Errorf("metrics: payout age gauge: %w", err)
	}
	_, err = r.meter.RegisterCallback(func(ctx context.Context, o metric.Observer) error {
		c, err := census(ctx)
		if err != nil {
			return fmt.Errorf("metrics: escrow census: %w", err)
		}
		statuses := make([]string, 0, len(c.ByStatus))
		for st := range c.ByStatus {
			statuses = append(statuses, st)
		}
		sort.Strings(statuses)
		for _, st := range statuses {
			o.ObserveInt64(current, int64(c.ByStatus[st]), metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrStatus, st))))
		}
		o.ObserveFloat64(age, max(c.OldestPayoutAge, 0).Seconds())
		return nil
	}, current, age)
	if err != nil {
		return fmt.Errorf("metrics: escrow census callback: %w", err)
	}
	return nil
}
