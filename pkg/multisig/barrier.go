package multisig

import (
	"context"
	"sync"
	"time"
)

// Barrier lines concurrent escrows up at each step in shared mode, so that the
// original race happens every time instead of by luck: every escrow opens its
// wallet, waits here until all parties have opened theirs, and only then sends
// the step's call, which the single server then runs on whichever wallet was
// opened last. It is a reproduction tool; it never runs in leased mode.
//
// Parties leave (an escrow that failed or finished) so the others are not
// held; a wait that gathers no quorum within the timeout goes on alone.
type Barrier struct {
	mu      sync.Mutex
	parties int
	timeout time.Duration
	waiting int
	release chan struct{}
}

// NewBarrier makes a barrier for the given number of concurrent escrows. A
// wait never lasts longer than timeout (default 10 s when 0).
func NewBarrier(parties int, timeout time.Duration) *Barrier {
	if timeout <= 0 {
		timeout = 10 * time.Second
	}
	return &Barrier{parties: parties, timeout: timeout, release: make(chan struct{})}
}

// Parties is how many escrows the barrier still waits for.
func (b *Barrier) Parties() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.parties
}

// Leave removes one party for good (its escrow ended).
func (b *Barrier) Leave() {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.parties > 0 {
		b.parties--
	}
	b.tripLocked()
}

// Wait blocks until every remaining party waits, the timeout passes, or ctx ends.
func (b *Barrier) Wait(ctx context.Context) error {
	b.mu.Lock()
	b.waiting++
	ch := b.release
	b.tripLocked()
	b.mu.Unlock()

	t := time.NewTimer(b.timeout)
	defer t.Stop()
	select {
	case <-ch:
		return nil
	case <-t.C:
	case <-ctx.Done():
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	if ch == b.release { // not released meanwhile: stop counting ourselves
		b.waiting--
	}
	return ctx.Err()
}

func (b *Barrier) tripLocked() {
	if b.waiting > 0 && b.waiting >= b.parties {
		close(b.release)
		b.release = make(chan struct{})
		b.waiting = 0
	}
}
