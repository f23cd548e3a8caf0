package multisig

import (
	"context"
	"fmt"
	"sync"
)

// forEach runs f for every session: all at once when parallel (the three
// participants of a round), else one after another (one shared server). The
// first error cancels the rest and is returned; later ones are consequences.
func forEach(ctx context.Context, ss []*session, parallel bool, f func(context.Context, *session) error) error {
	if !parallel {
		for _, s := range ss {
			if err := f(ctx, s); err != nil {
				return err
			}
		}
		return nil
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var (
		wg    sync.WaitGroup
		once  sync.Once
		first error
	)
	for _, s := range ss {
		wg.Add(1)
		go func() {
			defer wg.Done()
			fail := func(err error) { once.Do(func() { first = err; cancel() }) }
			// A panic in one participant's goroutine fails the escrow, not the
			// process; the caller's deferred releases then run as on any error.
			defer func() {
				if p := recover(); p != nil {
					fail(stepError(s.escrowID, s.role, 0, "", s.wallet, fmt.Errorf("panic: %v", p)))
				}
			}()
			if err := f(ctx, s); err != nil {
				fail(err)
			}
		}()
	}
	wg.Wait()
	return first
}
