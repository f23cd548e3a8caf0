package main

import (
	"context"
	"sync"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// timingObserver passes every hook on to the tracing observer and measures
// the time the setup spends waiting in it, one escrow at a time: at each
// point the slowest role's snapshot (roles run side by side, the next step
// waits for all), and EndEscrow (where the root span ends and the file is
// written). On a noisy machine this part of the on/off difference is the
// one that can be measured directly.
type timingObserver struct {
	inner multisig.Observer

	mu        sync.Mutex
	slowest   map[escrow.Point]time.Duration
	endEscrow time.Duration
}

func newTimingObserver(inner multisig.Observer) *timingObserver {
	return &timingObserver{inner: inner, slowest: map[escrow.Point]time.Duration{}}
}

// take returns the snapshot and end-of-escrow time of the escrow just run
// and starts afresh.
func (o *timingObserver) take() (snapshots, end time.Duration) {
	o.mu.Lock()
	defer o.mu.Unlock()
	for _, d := range o.slowest {
		snapshots += d
	}
	end = o.endEscrow
	o.slowest, o.endEscrow = map[escrow.Point]time.Duration{}, 0
	return snapshots, end
}

func (o *timingObserver) StartEscrow(ctx context.Context, e multisig.Escrow, m multisig.Mode) context.Context {
	return o.inner.StartEscrow(ctx, e, m)
}

func (o *timingObserver) StartPhase(ctx context.Context, p multisig.Phase) context.Context {
	return o.inner.StartPhase(ctx, p)
}

func (o *timingObserver) EndPhase(ctx context.Context, err error) { o.inner.EndPhase(ctx, err) }

func (o *timingObserver) Snapshot(ctx context.Context, p escrow.Point, r escrow.Role, src multisig.SnapshotSource) {
	start := time.Now()
	o.inner.Snapshot(ctx, p, r, src)
	d := time.Since(start)
	o.mu.Lock()
	o.slowest[p] = max(o.slowest[p], d)
	o.mu.Unlock()
}

func (o *timingObserver) EndEscrow(ctx context.Context, res multisig.Result, err error) {
	start := time.Now()
	o.inner.EndEscrow(ctx, res, err)
	d := time.Since(start)
	o.mu.Lock()
	o.endEscrow += d
	o.mu.Unlock()
}
