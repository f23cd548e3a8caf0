package escrows_test

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/escrows/escrowstest"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

var okReq = escrows.Request{BuyerID: "buyer", VendorID: "vendor", Amount: 42}

func TestSubmitRunsToReady(t *testing.T) {
	ctx := context.Background()
	r := escrowstest.New()
	svc, _ := newService(t, r, 4)
	e, err := svc.Submit(ctx, okReq)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != store.StatusPending || e.BuyerID != "buyer" || e.Amount != 42 {
		t.Fatalf("submitted: %+v", e)
	}
	if want, _ := escrow.TraceIDFor(e.ID); e.TraceID != want || len(e.TraceID) != 32 {
		t.Fatalf("trace id %q, want %q", e.TraceID, want)
	}
	if got := <-r.Started; got != (multisig.Escrow{ID: e.ID, BuyerID: "buyer", VendorID: "vendor", Amount: 42}) {
		t.Fatalf("runner got %+v", got)
	}
	done, err := svc.Wait(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != store.StatusReady || done.MultisigAddress != "4addr"+e.ID || done.FinishedAt == nil || done.Error != "" {
		t.Fatalf("after wait: %+v", done)
	}
	if n := svc.InFlight(); n != 0 {
		t.Fatalf("in flight after the end: %d", n)
	}
}

func TestSubmitRecordsFailure(t *testing.T) {
	ctx := context.Background()
	r := escrowstest.New()
	r.Fn = func(context.Context, multisig.Escrow) (multisig.Result, error) {
		return multisig.Result{}, &multisig.StepError{EscrowID: "x", Role: escrow.Vendor, Round: escrow.Round2,
			Operation: "exchange_multisig_keys", Err: errors.New("kex failed")}
	}
	svc, _ := newService(t, r, 4)
	e, err := svc.Submit(ctx, okReq)
	if err != nil {
		t.Fatal(err)
	}
	done, err := svc.Wait(ctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if done.Status != store.StatusFailed || !strings.Contains(done.Error, "vendor: round 2: exchange_multisig_keys: kex failed") {
		t.Fatalf("after wait: %+v", done)
	}
}

func TestSubmitRecoversPanic(t *testing.T) {
	ctx := context.Background()
	r := escrowstest.New()
	r.Fn = func(context.Context, multisig.Escrow) (multisig.Result, error) { panic("boom") }
	svc, _ := newService(t, r, 4)
	e, err := svc.Submit(ctx, okReq)
	if err != nil {
		t.Fatal(err)
	}
	done, _ := svc.Wait(ctx, e.ID)
	if done.Status != store.StatusFailed || !strings.Contains(done.Error, "panicked: boom") {
		t.Fatalf("after wait: %+v", done)
	}
}

func TestSubmitRefusals(t *testing.T) {
	ctx := context.Background()
	r := escrowstest.New()
	r.Release = make(chan struct{})
	svc, st := newService(t, r, 1)
	first, err := svc.Submit(ctx, okReq)
	if err != nil {
		t.Fatal(err)
	}
	<-r.Started

	tests := []struct {
		name string
		req  escrows.Request
		want func(error) bool
	}{
		{"invalid", escrows.Request{BuyerID: "a/b", VendorID: "v", Amount: 1}, func(err error) bool {
			var ve *escrows.ValidationError
			return errors.As(err, &ve)
		}},
		{"busy", okReq, func(err error) bool { return errors.Is(err, escrows.ErrBusy) }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := svc.Submit(ctx, tt.req)
			if !tt.want(err) {
				t.Fatalf("Submit() = %v", err)
			}
			if n, _ := st.Count(ctx); n != 1 {
				t.Fatalf("%d escrows stored, want only the first", n)
			}
		})
	}

	close(r.Release)
	if done, _ := svc.Wait(ctx, first.ID); done.Status != store.StatusReady {
		t.Fatalf("first: %+v", done)
	}
	// The slot is free again.
	if _, err := svc.Submit(ctx, okReq); err != nil {
		t.Fatalf("after the first ended: %v", err)
	}
}

func TestSubmitLinksRequest(t *testing.T) {
	type key struct{}
	ctx := context.Background()
	r := escrowstest.New()
	svc, _ := newService(t, r, 1, func(c *escrows.Config) {
		c.Link = func(dst, src context.Context) context.Context {
			return context.WithValue(dst, key{}, src.Value(key{}))
		}
	})
	e, err := svc.Submit(context.WithValue(ctx, key{}, "request-span"), okReq)
	if err != nil {
		t.Fatal(err)
	}
	<-r.Started
	if _, err := svc.Wait(ctx, e.ID); err != nil {
		t.Fatal(err)
	}
	if got := r.Contexts()[0].Value(key{}); got != "request-span" {
		t.Fatalf("run context carries %v, want the request's value", got)
	}
}

func TestShutdownLetsRunningFinish(t *testing.T) {
	ctx := context.Background()
	r := escrowstest.New()
	r.Release = make(chan struct{})
	svc, _ := newService(t, r, 2)
	e, err := svc.Submit(ctx, okReq)
	if err != nil {
		t.Fatal(err)
	}
	<-r.Started

	shut := make(chan error, 1)
	go func() { shut <- svc.Shutdown(ctx) }()
	// Shutdown refuses new escrows before it waits; poll until it does.
	for {
		_, err := svc.Submit(ctx, okReq)
		if errors.Is(err, escrows.ErrShuttingDown) {
			break
		}
		if errors.Is(err, escrows.ErrBusy) {
			// Both slots taken by escrows admitted before Shutdown closed
			// the door: the door is checked first once it is closed.
			runtime.Gosched()
			continue
		}
		if err != nil {
			t.Fatalf("submit during shutdown: %v", err)
		}
		<-r.Started // admitted before Shutdown closed the door: a second runner
	}
	close(r.Release)
	if err := <-shut; err != nil {
		t.Fatalf("Shutdown: %v", err)
	}
	got, _ := svc.Get(ctx, e.ID)
	if got.Status != store.StatusReady {
		t.Fatalf("after shutdown: %+v", got)
	}
}

func TestShutdownCancelsAfterDeadline(t *testing.T) {
	ctx := context.Background()
	r := escrowstest.New()
	r.Release = make(chan struct{}) // never closed: only cancellation ends the run
	svc, st := newService(t, r, 2)
	e, err := svc.Submit(ctx, okReq)
	if err != nil {
		t.Fatal(err)
	}
	<-r.Started

	expired, cancel := context.WithCancel(ctx)
	cancel() // the grace period is already over
	if err := svc.Shutdown(expired); !errors.Is(err, context.Canceled) {
		t.Fatalf("Shutdown = %v, want the deadline's error", err)
	}
	got, _ := st.Get(ctx, e.ID)
	if got.Status != store.StatusFailed || got.Error != escrows.ReasonShutdown {
		t.Fatalf("after shutdown: %+v", got)
	}
	if _, err := svc.Submit(ctx, okReq); !errors.Is(err, escrows.ErrShuttingDown) {
		t.Fatalf("submit after shutdown: %v", err)
	}
}

func TestShutdownRecordsStuckRunner(t *testing.T) {
	ctx := context.Background()
	r := escrowstest.New()
	r.Release = make(chan struct{})
	r.IgnoreCancel = true
	svc, st := newService(t, r, 1, func(c *escrows.Config) { c.CancelGrace = 1 })
	e, err := svc.Submit(ctx, okReq)
	if err != nil {
		t.Fatal(err)
	}
	<-r.Started
	expired, cancel := context.WithCancel(ctx)
	cancel()
	if err := svc.Shutdown(expired); err == nil {
		t.Fatal("Shutdown succeeded with a stuck escrow")
	}
	got, _ := st.Get(ctx, e.ID)
	if got.Status != store.StatusFailed || got.Error != escrows.ReasonShutdown {
		t.Fatalf("after shutdown: %+v", got)
	}
	close(r.Release) // let the stuck runner go; its late Finish must not change the record
}
