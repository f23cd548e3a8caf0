package main

import (
	"context"
	"sync/atomic"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// startedObserver marks an escrow as started when its first phase begins,
// that is once it holds its servers (or the global lock). A cell's time
// budget cancels only escrows still waiting, never one half set up.
type startedObserver struct{}

type startedKey struct{}

// withStartFlag returns ctx carrying the flag the observer sets.
func withStartFlag(ctx context.Context, flag *atomic.Bool) context.Context {
	return context.WithValue(ctx, startedKey{}, flag)
}

func (startedObserver) StartEscrow(ctx context.Context, _ multisig.Escrow, _ multisig.Mode) context.Context {
	return ctx
}

func (startedObserver) StartPhase(ctx context.Context, _ multisig.Phase) context.Context {
	if f, ok := ctx.Value(startedKey{}).(*atomic.Bool); ok {
		f.Store(true)
	}
	return ctx
}

func (startedObserver) EndPhase(context.Context, error) {}
func (startedObserver) Snapshot(context.Context, escrow.Point, escrow.Role, multisig.SnapshotSource) {
}
func (startedObserver) EndEscrow(context.Context, multisig.Result, error) {}
