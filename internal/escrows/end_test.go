package escrows_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/escrows/escrowstest"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// TestFailureIsStoredTyped: a failed escrow's step error is stored as its
// columns (phase, role, round, operation, kind), and its root cause is asked
// once, after the run, and stored with the end.
func TestFailureIsStoredTyped(t *testing.T) {
	wallet := &walletrpc.Error{Method: "make_multisig", Code: -28, Message: "This wallet is already multisig"}
	tests := []struct {
		name  string
		err   error
		want  store.Failure
		cause string
	}{
		{"wallet answer", &multisig.StepError{EscrowID: "x", Phase: escrow.PhaseSetup, Role: escrow.Vendor, Round: escrow.Round1,
			Operation: "make_multisig", Kind: escrow.KindAlreadyMultisig, Err: wallet},
			store.Failure{Phase: escrow.PhaseSetup, Role: escrow.Vendor, Round: escrow.Round1, Operation: "make_multisig", Kind: escrow.KindAlreadyMultisig},
			"already_multisig_before_round1"},
		{"kind from the cause", &multisig.StepError{EscrowID: "x", Role: escrow.Buyer, Round: escrow.Round3, Operation: "verify",
			Err: fmt.Errorf("%w: differ", multisig.ErrAddressMismatch)},
			store.Failure{Role: escrow.Buyer, Round: escrow.Round3, Operation: "verify", Kind: escrow.KindAddressMismatch}, "address_mismatch"},
		{"no step error", errors.New("something else"), store.Failure{Kind: escrow.KindOther}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := escrowstest.New()
			r.Fn = func(context.Context, multisig.Escrow) (multisig.Result, error) { return multisig.Result{}, tt.err }
			var asked atomic.Int32
			var ran atomic.Bool
			svc, _ := newService(t, r, 4, func(c *escrows.Config) {
				c.Diagnose = func(_ context.Context, id string) string {
					asked.Add(1)
					if len(r.Contexts()) != 1 {
						t.Errorf("diagnosed before the run")
					}
					ran.Store(true)
					return tt.cause
				}
			})
			done := submitAndWait(t, svc)
			if done.Status != store.StatusFailed || done.Failure != tt.want || done.Cause != tt.cause || done.Error != tt.err.Error() {
				t.Fatalf("stored %+v\nwant failure %+v cause %q", done, tt.want, tt.cause)
			}
			if n := asked.Load(); n != 1 || !ran.Load() {
				t.Fatalf("diagnosed %d times, want once", n)
			}
		})
	}
}

// TestReadyIsNotDiagnosed: a ready escrow has no failure and no cause, and
// Diagnose is not asked; a nil Diagnose leaves the cause empty.
func TestReadyIsNotDiagnosed(t *testing.T) {
	r := escrowstest.New()
	var asked atomic.Int32
	svc, _ := newService(t, r, 4, func(c *escrows.Config) {
		c.Diagnose = func(context.Context, string) string { asked.Add(1); return "x" }
	})
	done := submitAndWait(t, svc)
	if done.Status != store.StatusReady || done.Failure != (store.Failure{}) || done.Cause != "" || asked.Load() != 0 {
		t.Fatalf("ready escrow %+v, diagnosed %d times", done, asked.Load())
	}

	r2 := escrowstest.Refusing(&multisig.StepError{EscrowID: "x", Operation: "lease", Kind: escrow.KindNoServer, Err: errors.New("no")})
	svc2, _ := newService(t, r2, 4) // no Diagnose
	done2 := submitAndWait(t, svc2)
	if done2.Failure.Kind != escrow.KindNoServer || done2.Cause != "" {
		t.Fatalf("without Diagnose: %+v", done2)
	}
}

// TestShutdownWaitsForEveryAdmittedEscrow races Submit against Shutdown:
// whatever Submit admitted must have run and been recorded final when
// Shutdown returns (an admitted escrow used to be counted only after it was
// stored, so Shutdown could return before it started).
func TestShutdownWaitsForEveryAdmittedEscrow(t *testing.T) {
	ctx := context.Background()
	for i := range 400 {
		r := escrowstest.New()
		r.Started = nil
		svc, st := newService(t, r, 8)
		var (
			wg       sync.WaitGroup
			mu       sync.Mutex
			admitted []string
		)
		for range 4 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if e, err := svc.Submit(ctx, okReq); err == nil {
					mu.Lock()
					admitted = append(admitted, e.ID)
					mu.Unlock()
				} else if !errors.Is(err, escrows.ErrShuttingDown) {
					t.Errorf("submit: %v", err)
				}
			}()
		}
		sctx, cancel := context.WithTimeout(ctx, time.Minute)
		err := svc.Shutdown(sctx)
		cancel()
		if err != nil {
			t.Fatalf("loop %d: shutdown: %v", i, err)
		}
		// Submits that return after Shutdown returned were refused or had
		// been admitted before it: either way, Shutdown waited for them.
		snapshot := svc.InFlight()
		wg.Wait()
		if snapshot != 0 {
			t.Fatalf("loop %d: %d escrows in flight after Shutdown returned", i, snapshot)
		}
		mu.Lock()
		ids := append([]string(nil), admitted...)
		mu.Unlock()
		for _, id := range ids {
			e, err := st.Get(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if !e.Status.SetupEnded() {
				t.Fatalf("loop %d: escrow %s is %s after Shutdown returned", i, id, e.Status)
			}
		}
		if len(r.Contexts()) != len(ids) {
			t.Fatalf("loop %d: %d admitted, %d ran", i, len(ids), len(r.Contexts()))
		}
	}
}
