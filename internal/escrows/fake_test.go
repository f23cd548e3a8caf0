package escrows_test

import (
	"context"
	"path/filepath"
	"sync"
	"testing"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// fakeRunner stands in for the coordinator. Each Run reports itself on
// started, then waits for release (if set) or its ctx, then answers with fn.
type fakeRunner struct {
	started chan multisig.Escrow
	release chan struct{}
	// ignoreCancel makes Run wait for release even when ctx is cancelled.
	ignoreCancel bool
	fn           func(ctx context.Context, e multisig.Escrow) (multisig.Result, error)

	mu   sync.Mutex
	ctxs []context.Context
}

func newFakeRunner() *fakeRunner {
	return &fakeRunner{started: make(chan multisig.Escrow, 100)}
}

func (f *fakeRunner) Run(ctx context.Context, e multisig.Escrow) (multisig.Result, error) {
	f.mu.Lock()
	f.ctxs = append(f.ctxs, ctx)
	f.mu.Unlock()
	f.started <- e
	if f.release != nil {
		if f.ignoreCancel {
			<-f.release
		} else {
			select {
			case <-f.release:
			case <-ctx.Done():
				return multisig.Result{}, ctx.Err()
			}
		}
	}
	if f.fn != nil {
		return f.fn(ctx, e)
	}
	return multisig.Result{Address: "addr-" + e.ID}, nil
}

// newService builds a Service over a fresh store; edit adjusts its config.
func newService(t *testing.T, r escrows.Runner, maxInFlight int, edit ...func(*escrows.Config)) (*escrows.Service, *store.Store) {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "escrowd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	cfg := escrows.Config{Store: st, Runner: r, MaxInFlight: maxInFlight}
	for _, f := range edit {
		f(&cfg)
	}
	svc, err := escrows.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithCancel(ctx)
		cancel()
		svc.Shutdown(ctx) //nolint:errcheck // the test is over; stop what is left
	})
	return svc, st
}
