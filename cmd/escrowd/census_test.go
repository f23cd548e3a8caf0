package main

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// TestCensusOf: the gauges read the store's census: every status by its
// name, and the age of the payout claimed and not finished.
func TestCensusOf(t *testing.T) {
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "escrowd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	census := censusOf(st)
	if c, err := census(ctx); err != nil || c.OldestPayoutAge != 0 || len(c.ByStatus) != len(store.Statuses) {
		t.Fatalf("empty store: %+v, %v", c, err)
	}
	const id = "e1"
	if err := st.Create(ctx, store.Escrow{ID: id, TraceID: "t", BuyerID: "b", VendorID: "v", Amount: 5}); err != nil {
		t.Fatal(err)
	}
	if err := st.End(ctx, id, store.End{Status: store.StatusReady, Address: "4m",
		Wallets: map[escrow.Role]string{escrow.Buyer: "wb", escrow.Vendor: "wv", escrow.Arbiter: "wa"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := st.SetAddresses(ctx, id, "4buyer", "4vendor"); err != nil {
		t.Fatal(err)
	}
	if err := st.MarkFunded(ctx, id, 5, 5); err != nil {
		t.Fatal(err)
	}
	before := time.Now()
	if _, err := st.ClaimPayout(ctx, id, store.Claim{Phase: escrow.PhaseRelease, ToRole: escrow.Vendor, PayeeAddress: "4vendor"}); err != nil {
		t.Fatal(err)
	}
	time.Sleep(5 * time.Millisecond)
	c, err := census(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c.ByStatus["paying_out"] != 1 || c.ByStatus["funded"] != 0 || c.OldestPayoutAge < 5*time.Millisecond || c.OldestPayoutAge > time.Since(before) {
		t.Errorf("one payout in flight: %+v", c)
	}
}
