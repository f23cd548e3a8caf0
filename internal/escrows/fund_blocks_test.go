package escrows_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/escrows/escrowstest"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// lateFaucet is the ledger's faucet whose first Mine mines short blocks
// fewer than asked: a chain where the payment unlocks later than Fund's
// first SpendableAge+1 blocks say. It records what was asked.
type lateFaucet struct {
	*escrowstest.Faucet
	short int

	mu    sync.Mutex
	asked []int
}

func (f *lateFaucet) Mine(ctx context.Context, n int) (uint64, error) {
	f.mu.Lock()
	f.asked = append(f.asked, n)
	first := len(f.asked) == 1
	f.mu.Unlock()
	if first {
		n -= f.short
	}
	return f.Faucet.Mine(ctx, n)
}

// TestFundMinesUntilUnlocked: Fund mines SpendableAge+1 blocks, then one
// at a time while the escrow's wallet says its funds are locked, at most 3
// more; past that it answers the escrow still ready (the watcher goes on).
func TestFundMinesUntilUnlocked(t *testing.T) {
	for _, tt := range []struct {
		short  int // blocks the first Mine falls short
		extra  int // single blocks Fund must mine
		status store.Status
	}{
		{0, 0, store.StatusFunded},
		{2, 1, store.StatusFunded},
		{4, 3, store.StatusFunded},
		{5, 3, store.StatusReady},
	} {
		f := &lateFaucet{short: tt.short}
		svc, _, l := newLifecycle(t, func(c *escrows.Config) { c.Faucet = f })
		f.Faucet = l.Faucet() // the ledger exists once the service does
		e := readyEscrow(t, svc, moneyReq)
		got, err := svc.Fund(context.Background(), e.ID)
		if err != nil || got.Status != tt.status {
			t.Errorf("short %d: Fund = %s, %v; want %s", tt.short, got.Status, err, tt.status)
		}
		want := []int{chain.SpendableAge + 1}
		for range tt.extra {
			want = append(want, 1)
		}
		if len(f.asked) != len(want) || f.asked[0] != want[0] {
			t.Errorf("short %d: mined %v, want %v", tt.short, f.asked, want)
		}
		for _, n := range f.asked[1:] {
			if n != 1 {
				t.Errorf("short %d: mined %v, want one block at a time after the first", tt.short, f.asked)
			}
		}
	}
}

// TestNoPayerRefusal: without a Payer, Fund and Payout answer
// Config.NoPayer (an ErrOffline) and change nothing.
func TestNoPayerRefusal(t *testing.T) {
	ctx := context.Background()
	why := noLeased{}
	svc, st := newService(t, escrowstest.Instant(), 2, func(c *escrows.Config) { c.NoPayer = why })
	e := readyEscrow(t, svc, moneyReq)
	if _, err := svc.Fund(ctx, e.ID); !errors.Is(err, escrows.ErrOffline) || err.Error() != why.Error() {
		t.Errorf("fund = %v, want %v", err, why)
	}
	if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRelease, ""); !errors.Is(err, escrows.ErrOffline) || err.Error() != why.Error() {
		t.Errorf("payout = %v, want %v", err, why)
	}
	if after, _ := st.Get(ctx, e.ID); after.Status != store.StatusReady || after.Payout != nil {
		t.Errorf("the refusals changed the escrow: %+v", after)
	}
}

type noLeased struct{}

func (noLeased) Error() string        { return "payouts need leased mode" }
func (noLeased) Is(target error) bool { return target == escrows.ErrOffline }
