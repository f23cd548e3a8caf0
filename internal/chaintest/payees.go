package chaintest

import (
	"context"
	"fmt"
	"sync"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// Payees are the buyer's and the vendor's own wallets (not the escrow's),
// on one server: where payouts go, and what checks they arrived.
type Payees struct {
	// Addresses are the payees' primary addresses by role.
	Addresses map[escrow.Role]string
	srv       *walletpool.Server
	mu        sync.Mutex // the server holds one wallet at a time
}

// NewPayees creates a wallet for the buyer and one for the vendor on srv
// (the Env's Spare).
func NewPayees(ctx context.Context, srv *walletpool.Server) (*Payees, error) {
	p := &Payees{Addresses: map[escrow.Role]string{}, srv: srv}
	for _, role := range []escrow.Role{escrow.Buyer, escrow.Vendor} {
		w := srv.Client()
		if err := w.CreateWallet(ctx, payeeWallet(role), "pw"); err != nil {
			return nil, fmt.Errorf("chaintest: %s's own wallet: %w", role, err)
		}
		addr, err := w.GetAddress(ctx)
		if err != nil {
			return nil, fmt.Errorf("chaintest: %s's own wallet: %w", role, err)
		}
		p.Addresses[role] = addr
	}
	return p, nil
}

func payeeWallet(role escrow.Role) string { return "own_" + string(role) }

// Received is what role's own wallet got from transaction txid (its
// incoming transfers in it), after a refresh.
func (p *Payees) Received(ctx context.Context, role escrow.Role, txid string) (uint64, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	w := p.srv.Client()
	if err := w.OpenWallet(ctx, payeeWallet(role), "pw"); err != nil {
		return 0, fmt.Errorf("chaintest: %s's own wallet: %w", role, err)
	}
	if _, err := w.Refresh(ctx); err != nil {
		return 0, fmt.Errorf("chaintest: %s's own wallet: %w", role, err)
	}
	trs, err := w.GetTransferByTxID(ctx, txid)
	if err != nil {
		return 0, fmt.Errorf("chaintest: %s's own wallet has no transfer %s: %w", role, txid, err)
	}
	var got uint64
	for _, tr := range trs {
		if tr.Type == "in" {
			got += tr.Amount
		}
	}
	return got, nil
}
