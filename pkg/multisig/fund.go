package multisig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"

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
// one server, opens the buyer's wallet, refreshes it and reads its balance.
// wallets are the escrow's wallet files by role as the setup named them (nil
// for the default names).
//
// A check that finds the escrow funded is its fund phase for the Observer:
// a SNAPSHOT_FUNDED per role (escrow.PointFunded; the vendor's and the
// arbiter's wallets are opened and refreshed in turn on the same server,
// only when the Observer reads their snapshots). A check that finds it not
// funded is nothing to the Observer: its calls go to the server without the
// caller's middleware, so that a watcher polling an unfunded escrow adds
// nothing to its trace.
func (p *Payer) Funded(ctx context.Context, escrowID string, wallets map[escrow.Role]string, amount uint64) (f Funding, err error) {
	if err := escrow.CheckID(escrowID); err != nil {
		return Funding{}, fmt.Errorf("%w: escrow %w", ErrInvalidPayout, err)
	}
	if amount == 0 {
		return Funding{}, fmt.Errorf("%w: amount 0", ErrInvalidPayout)
	}
	req := PayoutRequest{EscrowID: escrowID, Wallets: wallets}
	for _, role := range escrow.Roles {
		if wallets != nil && wallets[role] == "" {
			return Funding{}, fmt.Errorf("%w: no wallet for %s", ErrInvalidPayout, role)
		}
	}
	fail := func(op string, err error) error {
		return &PayoutError{EscrowID: escrowID, Phase: escrow.PhaseFund, Step: "funded", Role: escrow.Buyer, Operation: op, Err: err}
	}
	lease, err := p.cfg.Pool.Acquire(ctx, 1)
	if err != nil {
		return Funding{}, &PayoutError{EscrowID: escrowID, Phase: escrow.PhaseFund, Step: "lease", Operation: "lease", Err: err}
	}
	defer lease.Release()
	srv := lease.Servers()[0]
	s := newWalletSession(escrowID, escrow.Buyer, req.wallet(escrow.Buyer), p.cfg.Secret, srv, nil, p.cfg.CallTimeout)
	open := s // the session whose wallet the server has open
	defer func() { p.closeAll(ctx, []*walletSession{open}) }()
	if err := s.ensureOpen(ctx); err != nil {
		return Funding{}, fail("open_wallet", errors.Unwrap(err))
	}
	if _, err := s.client.Refresh(s.ctx(ctx)); err != nil {
		return Funding{}, fail("refresh", err)
	}
	b, err := s.client.GetBalanceInfo(s.ctx(ctx))
	if err != nil {
		return Funding{}, fail("get_balance", err)
	}
	f = Funding{Balance: b.Balance, UnlockedBalance: b.UnlockedBalance, BlocksToUnlock: b.BlocksToUnlock, Funded: b.UnlockedBalance >= amount}
	if !f.Funded {
		return f, nil
	}
	ctx, end := p.startPhase(ctx, escrowID, escrow.PhaseFund, req.wallets())
	defer func() { end(nil) }()
	p.obs.Snapshot(ctx, escrow.PointFunded, escrow.Buyer, s)
	for _, role := range escrow.Roles {
		if role == escrow.Buyer {
			continue
		}
		other := newWalletSession(escrowID, role, req.wallet(role), p.cfg.Secret, srv, p.cfg.Middleware, p.cfg.CallTimeout)
		other.observed = true
		p.obs.Snapshot(ctx, escrow.PointFunded, role, &fundedSource{open: &open, s: other, logger: p.logger})
	}
	return f, nil
}

// fundedSource is the funding snapshot of a role whose wallet is not open:
// reading it closes the wallet the server has open, opens the role's and
// refreshes it (calls of the fund phase, through the caller's middleware),
// then reads the snapshot. The role's wallet is closed without saving: with
// tracing on or off, its files are the same afterwards (measured: a naive
// payout succeeds on wallets whose caches were refreshed and saved, and
// fails on stale ones, so an observation must not refresh them for good).
type fundedSource struct {
	open   **walletSession // the session whose wallet the server has open
	s      *walletSession
	logger *slog.Logger
}

func (f *fundedSource) ReadSnapshot(ctx context.Context) Snapshot {
	if err := (*f.open).close(ctx); err != nil {
		f.logger.Debug("close wallet before a funding snapshot", "escrow_id", f.s.escrowID, "role", (*f.open).role, "err", err)
	}
	*f.open = f.s
	if err := f.s.ensureOpen(ctx); err != nil {
		return Snapshot{WalletID: f.s.wallet, Chain: true, Err: err}
	}
	if _, err := f.s.client.Refresh(f.s.ctx(ctx)); err != nil {
		return Snapshot{WalletID: f.s.wallet, Chain: true, Err: fmt.Errorf("refresh: %w", err)}
	}
	return f.s.ReadSnapshot(ctx)
}
