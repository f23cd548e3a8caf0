package multisig

import (
	"context"
	"fmt"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// walletSession is one role's escrow wallet on a leased server during a
// payout or a funding check: the wallet is opened once and closed (saved)
// when the payout ends.
type walletSession struct {
	escrowID  string
	role      escrow.Role
	wallet    string
	password  string
	client    *walletrpc.Client // with the caller's middleware
	raw       *walletrpc.Client // without it: snapshot reads are observation
	walletDir string
	open      bool
	// observed: the wallet was opened only to be observed (a funding
	// snapshot): closing it does not save, so that tracing leaves the
	// wallet's files as they were without it.
	observed bool
}

func newWalletSession(escrowID string, role escrow.Role, wallet string, secret []byte, srv *walletpool.Server, mw walletrpc.Middleware, timeout time.Duration) *walletSession {
	raw := srv.Client().With(deadline(timeout, srv))
	client := raw
	if mw != nil {
		client = raw.With(mw)
	}
	return &walletSession{
		escrowID: escrowID, role: role, wallet: wallet, password: WalletPassword(secret, wallet),
		client: client, raw: raw, walletDir: srv.WalletDir(),
	}
}

// ctx tags a call's context for middleware with the escrow, role and wallet.
func (s *walletSession) ctx(ctx context.Context) context.Context {
	return WithStep(ctx, Step{EscrowID: s.escrowID, Role: s.role, WalletID: s.wallet})
}

// ensureOpen opens the role's wallet on its server, once.
func (s *walletSession) ensureOpen(ctx context.Context) error {
	if s.open {
		return nil
	}
	if err := s.client.OpenWallet(s.ctx(ctx), s.wallet, s.password); err != nil {
		return fmt.Errorf("open_wallet: %w", err)
	}
	s.open = true
	return nil
}

// close saves and closes the wallet, so that the server holds nothing of the
// escrow's for its next lease.
func (s *walletSession) close(ctx context.Context) error {
	if !s.open {
		return nil
	}
	s.open = false
	if s.observed {
		return s.raw.Call(ctx, "close_wallet", struct {
			AutosaveCurrent bool `json:"autosave_current"`
		}{false}, nil)
	}
	return s.raw.CloseWallet(ctx)
}

// ReadSnapshot reads the role's wallet state (balances, multisig state,
// address hash, key file mode), as the setup's sessions do, and the chain
// state (multisig_import_needed, height).
func (s *walletSession) ReadSnapshot(ctx context.Context) Snapshot {
	return readSnapshot(ctx, s.raw, s.walletDir, s.wallet, true)
}

// eachWallet runs f for every session at once (each on its own server) and
// returns the first error; the first error cancels the others.
func eachWallet(ctx context.Context, ss []*walletSession, f func(context.Context, *walletSession) error) error {
	return runAll(ctx, ss, f, func(s *walletSession, p any) error {
		return fmt.Errorf("%s: panic: %v", s.role, p)
	})
}
