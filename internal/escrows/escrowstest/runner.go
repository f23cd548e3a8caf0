// Package escrowstest is the test kit of the escrow service: a Runner that
// stands in for the multisig coordinator, and a Ledger whose Payer, Faucet
// and chain stand in for the payer, the regtest faucet and the daemon, for
// the tests of the service and of what serves it (the API, the pages).
package escrowstest

import (
	"context"
	"sync"

	"github.com/escrowd/escrowd/pkg/multisig"
)

// Runner stands in for *multisig.Coordinator (escrows.Runner). Each Run
// reports its escrow on Started (when not nil), then waits for Release (when
// not nil) or its ctx, then answers with Fn, or by default succeeds with the
// address AddressPrefix+ID. It is safe for concurrent use; set its fields before
// the first Run.
type Runner struct {
	// Started receives each escrow as its Run begins; Run blocks while it is
	// full, so give it room (New gives 100).
	Started chan multisig.Escrow
	// Release, when set, holds every Run until it is closed (or receives).
	Release chan struct{}
	// IgnoreCancel makes Run wait for Release even when ctx ends, like a
	// runner that does not honour cancellation.
	IgnoreCancel bool
	// Fn, when set, is the answer of Run.
	Fn func(ctx context.Context, e multisig.Escrow) (multisig.Result, error)

	mu   sync.Mutex
	ctxs []context.Context
}

// New returns a Runner that reports on a buffered Started and succeeds at once.
func New() *Runner {
	return &Runner{Started: make(chan multisig.Escrow, 100)}
}

// Instant is a Runner that succeeds at once and reports nothing.
func Instant() *Runner { return &Runner{} }

// Refusing is a Runner whose every Run fails with err.
func Refusing(err error) *Runner {
	return &Runner{Fn: func(context.Context, multisig.Escrow) (multisig.Result, error) {
		return multisig.Result{}, err
	}}
}

// Run implements escrows.Runner.
func (r *Runner) Run(ctx context.Context, e multisig.Escrow) (multisig.Result, error) {
	r.mu.Lock()
	r.ctxs = append(r.ctxs, ctx)
	r.mu.Unlock()
	if r.Started != nil {
		r.Started <- e
	}
	if r.Release != nil {
		if r.IgnoreCancel {
			<-r.Release
		} else {
			select {
			case <-r.Release:
			case <-ctx.Done():
				return multisig.Result{}, ctx.Err()
			}
		}
	}
	if r.Fn != nil {
		return r.Fn(ctx, e)
	}
	return multisig.Result{Address: AddressPrefix + e.ID}, nil
}

// AddressPrefix begins the multisig address the Runner gives an escrow by
// default (AddressPrefix + its ID): what the Ledger's faucet pays.
const AddressPrefix = "4addr"

// Contexts are the contexts Run was called with, in order.
func (r *Runner) Contexts() []context.Context {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]context.Context(nil), r.ctxs...)
}
