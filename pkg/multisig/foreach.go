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
	return runAll(ctx, ss, f, func(s *session, p any) error {
		return stepError(s.escrowID, s.role, 0, "", s.wallet, fmt.Errorf("panic: %v", p))
	})
}

// runAll runs f for every item at once and returns the first error, which
// cancels the others (later ones are consequences). A panic in one item's
// goroutine becomes that item's error (through onPanic), not the process's:
// the caller's deferred releases then run as on any error.
func runAll[S any](ctx context.Context, ss []S, f func(context.Context, S) error, onPanic func(S, any) error) error {
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
			defer func() {
				if p := recover(); p != nil {
					fail(onPanic(s, p))
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
