package metrics

import (
	"context"
	"fmt"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"

	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

var (
	stateBusy       = metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrState, StateBusy)))
	stateIdle       = metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrState, StateIdle)))
	stateRestarting = metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrState, StateRestarting)))
	resultHit       = metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrResult, ResultHit)))
	resultMiss      = metric.WithAttributeSet(attribute.NewSet(attribute.String(AttrResult, ResultMiss)))
)

// ObservePool reports the pool's servers by state (busy: leased;
// restarting: not healthy, which the supervisor is restarting; idle: the
// rest) and the escrows waiting for servers, read from stats at each
// collection. A leased server that is not healthy counts as busy and as
// restarting. Call it once per pool; with metrics off it does nothing.
func (r *Recorder) ObservePool(stats func() walletpool.PoolStats) error {
	if !r.Enabled() || stats == nil {
		return nil
	}
	servers, err := r.meter.Int64ObservableGauge(MetricPoolServers, metric.WithUnit("{server}"),
		metric.WithDescription("Wallet RPC servers of the pool by state: busy (leased), idle, restarting (not healthy)."))
	if err != nil {
		return fmt.Errorf("metrics: pool gauge: %w", err)
	}
	waiting, err := r.meter.Int64ObservableGauge(MetricPoolWaiting, metric.WithUnit("{escrow}"),
		metric.WithDescription("Escrows waiting for wallet servers."))
	if err != nil {
		return fmt.Errorf("metrics: pool gauge: %w", err)
	}
	_, err = r.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		restarting := st.Servers - st.Healthy
		idle := max(st.Servers-st.Leased-restarting, 0)
		o.ObserveInt64(servers, int64(st.Leased), stateBusy)
		o.ObserveInt64(servers, int64(idle), stateIdle)
		o.ObserveInt64(servers, int64(restarting), stateRestarting)
		o.ObserveInt64(waiting, int64(st.Waiting))
		return nil
	}, servers, waiting)
	if err != nil {
		return fmt.Errorf("metrics: pool callback: %w", err)
	}
	return nil
}

// ObserveReserve reports the warm reserve's hits (roles that adopted a
// reserve wallet) and misses (roles that created their own), read from
// stats at each collection. With metrics off it does nothing.
func (r *Recorder) ObserveReserve(stats func() multisig.ReserveStats) error {
	if !r.Enabled() || stats == nil {
		return nil
	}
	c, err := r.meter.Int64ObservableCounter(MetricReserve, metric.WithUnit("{wallet}"),
		metric.WithDescription("Roles that adopted a warm reserve wallet (hit) or had to create their own (miss)."))
	if err != nil {
		return fmt.Errorf("metrics: reserve counter: %w", err)
	}
	_, err = r.meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		st := stats()
		o.ObserveInt64(c, int64(st.Hits), resultHit)
		o.ObserveInt64(c, int64(st.Misses), resultMiss)
		return nil
	}, c)
	if err != nil {
		return fmt.Errorf("metrics: reserve callback: %w", err)
	}
	return nil
}
