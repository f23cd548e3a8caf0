package multisig

import (
	"context"
	"fmt"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Funding is what the escrow's wallet sees of its funds, in atomic units.
type Funding struct {
	Balance         uint64
	UnlockedBalance uint64
	BlocksToUnlock  uint64
	// Funded: the unlocked balance covers the amount asked for.
	Funded bool
}

// Funded reports whether the escrow's multisig wallet holds amount, unlocked
// (spendable: 10 blocks after the funding transaction on Monero). It leases
// one server, opens the buyer's wallet, refreshes it and reads its balance;
// a funded escrow is reported to the observer at escrow.PointFunded. wallets
// are the escrow's wallet files by role as the setup named them (nil for the
// default names).
func (p *Payer) Funded(ctx context.Context, escrowID string, wallets map[escrow.Role]string, amount uint64) (Funding, error) {
	if err := escrow.CheckID(escrowID); err != nil {
		return Funding{}, fmt.Errorf("%w: escrow %w", ErrInvalidPayout, err)
	}
	if amount == 0 {
		return Funding{}, fmt.Errorf("%w: amount 0", ErrInvalidPayout)
	}
	req := PayoutRequest{EscrowID: escrowID, Wallets: wallets}
	if wallets != nil && wallets[escrow.Buyer] == "" {
		return Funding{}, fmt.Errorf("%w: no wallet for %s", ErrInvalidPayout, escrow.Buyer)
	}
	fail := func(op string, err error) error {
		return &PayoutError{EscrowID: escrowID, Phase: escrow.PhaseFund, Step: "funded", Role: escrow.Buyer, Operation: op, Err: err}
	}
	lease, err := p.cfg.Pool.Acquire(ctx, 1)
	if err != nil {
		return Funding{}, &PayoutError{EscrowID: escrowID, Phase: escrow.PhaseFund, Step: "lease", Operation: "lease", Err: err}
	}
	defer lease.Release()
	s := newWalletSession(escrowID, escrow.Buyer, req.wallet(escrow.Buyer), p.cfg.Secret, lease.Servers()[0], p.cfg.Middleware, p.cfg.CallTimeout)
	defer p.closeAll(ctx, []*walletSession{s})
	if err := s.ensureOpen(ctx); err != nil {
		return Funding{}, fail("open_wallet", err)
	}
	if _, err := s.client.Refresh(s.ctx(ctx)); err != nil {
		return Funding{}, fail("refresh", err)
	}
	b, err := s.client.GetBalanceInfo(s.ctx(ctx))
	if err != nil {
		return Funding{}, fail("get_balance", err)
	}
	f := Funding{Balance: b.Balance, UnlockedBalance: b.UnlockedBalance, BlocksToUnlock: b.BlocksToUnlock, Funded: b.UnlockedBalance >= amount}
	if f.Funded {
		p.obs.Snapshot(ctx, escrow.PointFunded, escrow.Buyer, s)
	}
	return f, nil
}
