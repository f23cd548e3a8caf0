package escrows_test

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/store"
)

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

// submitAndWait submits okReq and returns the escrow once it has ended.
func submitAndWait(t *testing.T, svc *escrows.Service) store.Escrow {
	t.Helper()
	ctx := context.Background()
	e, err := svc.Submit(ctx, okReq)
	if err != nil {
		t.Fatal(err)
	}
	done, err := svc.Wait(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	return done
}
