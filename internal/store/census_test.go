package store_test

import (
	"context"
	"maps"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// TestCensus: every status is counted (zeros included), and the oldest
// payout in flight is the oldest escrow still paying_out, not an older
// payout that has finished.
func TestCensus(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	c, err := s.Census(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.ByStatus) != len(store.Statuses) || !c.OldestPayout.IsZero() {
		t.Fatalf("empty store: %+v", c)
	}
	for st, n := range c.ByStatus {
		if n != 0 {
			t.Errorf("empty store: %s = %d", st, n)
		}
	}

	// Claimed first and finished: the oldest payout, but no longer in flight.
	fundedEscrow(t, s, "paid")
	if _, err := s.ClaimPayout(ctx, "paid", claim(escrow.PhaseRelease, "")); err != nil {
		t.Fatal(err)
	}
	if _, err := s.FinishPayout(ctx, "paid", store.Paid{TxHashes: []string{"h"}, Amount: 1}); err != nil {
		t.Fatal(err)
	}
	var flying []store.Escrow
	for _, id := range []string{"older", "newer"} {
		time.Sleep(2 * time.Millisecond) // distinct claim times
		fundedEscrow(t, s, id)
		e, err := s.ClaimPayout(ctx, id, claim(escrow.PhaseRefund, ""))
		if err != nil {
			t.Fatal(err)
		}
		flying = append(flying, e)
	}
	fundedEscrow(t, s, "funded")
	if err := s.Create(ctx, newEscrow("pending")); err != nil {
		t.Fatal(err)
	}

	c, err = s.Census(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[store.Status]int{}
	for _, st := range store.Statuses {
		want[st] = 0
	}
	want[store.StatusReleased], want[store.StatusPayingOut], want[store.StatusFunded], want[store.StatusPending] = 1, 2, 1, 1
	if !maps.Equal(c.ByStatus, want) {
		t.Errorf("ByStatus = %v, want %v", c.ByStatus, want)
	}
	if got, want := c.OldestPayout, flying[0].Payout.StartedAt; !got.Equal(want) {
		t.Errorf("OldestPayout = %v, want the older in-flight claim's %v", got, want)
	}

	// Both in flight finish: nothing is in flight any more.
	for _, e := range flying {
		if _, err := s.FinishPayout(ctx, e.ID, store.Paid{TxHashes: []string{"h" + e.ID}, Amount: 1}); err != nil {
			t.Fatal(err)
		}
	}
	if c, err := s.Census(ctx); err != nil || !c.OldestPayout.IsZero() || c.ByStatus[store.StatusPayingOut] != 0 || c.ByStatus[store.StatusRefunded] != 2 {
		t.Errorf("after the payouts finished: %+v, %v", c, err)
	}
}
