package escrows

import (
	"context"
	"errors"
	"fmt"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// Payer funds checks and payouts (*multisig.Payer). The Service calls
// Funded from one goroutine at a time (the funding watcher, or Fund), and
// Pay or Resume from one goroutine per payout, at most one per escrow (the
// store's claim enforces it).
type Payer interface {
	Pay(ctx context.Context, req multisig.PayoutRequest) (multisig.PayoutResult, error)
	Resume(ctx context.Context, req multisig.PayoutRequest, rec multisig.PayoutRecord) (multisig.PayoutResult, error)
	Funded(ctx context.Context, escrowID string, wallets map[escrow.Role]string, amount uint64) (multisig.Funding, error)
}

// Faucet is the regtest dev faucet (*chain.Faucet): it pays an address and
// mines blocks.
type Faucet interface {
	Pay(ctx context.Context, address string, amount uint64) (string, error)
	Mine(ctx context.Context, n int) (uint64, error)
}

// ChainInfo is what the Service asks the daemon (*chain.Client): its height
// and where transactions are, for a payout's confirmations.
type ChainInfo interface {
	GetHeight(ctx context.Context) (uint64, error)
	Transactions(ctx context.Context, hashes ...string) ([]chain.TxStatus, error)
}

var (
	_ Payer     = (*multisig.Payer)(nil)
	_ Faucet    = (*chain.Faucet)(nil)
	_ ChainInfo = (*chain.Client)(nil)
)

// Refusals of Fund, Payout and SetAddresses that callers tell apart with
// errors.Is (a *ValidationError is the other kind). Nothing is signed, sent
// or changed for any of them.
var (
	// ErrOffline: escrowd runs without a daemon: no funding, no payouts.
	ErrOffline = errors.New("escrowd runs without a daemon (--offline): escrows can be set up, not funded or paid out")
	// ErrNoFaucet: fund is regtest's dev faucet; other networks have none.
	ErrNoFaucet = errors.New("fund is the regtest dev faucet and this escrowd's network has none: pay the escrow's multisig address from a wallet; escrowd marks it funded once the funds unlock")
	// ErrNotReady: fund asked of an escrow that is not ready for funds (or
	// addresses for an escrow whose setup failed).
	ErrNotReady = errors.New("escrow is not waiting for funds")
	// ErrFunding: the faucet is already paying this escrow.
	ErrFunding = errors.New("the faucet is already paying this escrow")
	// ErrNotFunded: a payout asked of an escrow that is not funded.
	ErrNotFunded = errors.New("escrow is not funded")
	// ErrPaying: a payout asked of an escrow that is paying out or paid;
	// the escrow returned with it shows the payout that exists.
	ErrPaying = errors.New("escrow is already paying out or paid")
	// ErrNoAddress: a payout needs both payee addresses set first.
	ErrNoAddress = errors.New("buyer_address and vendor_address must both be set before a payout (POST /api/escrow/:id/addresses)")
	// ErrAddressFixed: an address that is set cannot change.
	ErrAddressFixed = store.ErrAddressFixed
	// ErrFaucet: the faucet could not pay or mine (the daemon or its wallet).
	ErrFaucet = errors.New("the faucet could not fund the escrow")
)

// noPayer is the refusal of Fund and Payout without a Payer.
func (s *Service) noPayer() error {
	if s.cfg.NoPayer != nil {
		return s.cfg.NoPayer
	}
	return ErrOffline
}

// checkAddresses checks payee addresses (an empty one is not given): their
// form, the network's rules (Config.ValidateAddress), that the buyer's and
// the vendor's differ and that neither is the escrow's own multisig
// address (msig, "" while unknown).
func (s *Service) checkAddresses(buyer, vendor, msig string) error {
	if err := CheckAddressPair(buyer, vendor); err != nil {
		return err
	}
	for _, a := range []struct{ field, addr string }{{"buyer_address", buyer}, {"vendor_address", vendor}} {
		if a.addr == "" {
			continue
		}
		if s.cfg.ValidateAddress != nil {
			if err := s.cfg.ValidateAddress(a.addr); err != nil {
				return &ValidationError{Field: a.field, Reason: "is not an address of this escrowd's network: " + err.Error()}
			}
		}
		if msig != "" && a.addr == msig {
			return &ValidationError{Field: a.field, Reason: "is the escrow's own multisig address: a payout must leave the escrow"}
		}
	}
	return nil
}

// SetAddresses sets the payee addresses an escrow was created without
// (an empty argument leaves that one as it is). Each is fixed once set: a
// different value is ErrAddressFixed. Refused with a *ValidationError when
// an address is not one of the network's, when the two would be the same,
// or when one is the escrow's own multisig address; nothing changes then.
func (s *Service) SetAddresses(ctx context.Context, id, buyer, vendor string) (store.Escrow, error) {
	if buyer == "" && vendor == "" {
		return store.Escrow{}, &ValidationError{Field: "buyer_address", Reason: "give buyer_address, vendor_address or both"}
	}
	// One at a time: the pair is checked against what is stored.
	s.addrMu.Lock()
	defer s.addrMu.Unlock()
	e, err := s.cfg.Store.Get(ctx, id)
	if err != nil {
		return store.Escrow{}, err
	}
	switch {
	case e.Status == store.StatusFailed:
		return e, fmt.Errorf("%w: escrow %s failed its setup: it can never be paid out", ErrNotReady, id)
	case e.Status == store.StatusPayingOut || e.Status.Paid():
		return e, fmt.Errorf("%w: escrow %s is %s: its payee is fixed", ErrPaying, id, e.Status)
	}
	b, v := buyer, vendor
	if b == "" {
		b = e.BuyerAddress
	}
	if v == "" {
		v = e.VendorAddress
	}
	if err := s.checkAddresses(b, v, e.MultisigAddress); err != nil {
		return store.Escrow{}, err
	}
	e, err = s.cfg.Store.SetAddresses(ctx, id, buyer, vendor)
	if errors.Is(err, store.ErrState) {
		return e, fmt.Errorf("%w: %w", ErrPaying, err)
	}
	return e, err
}

// changed wakes whoever waits for the escrow to change (waitUntil).
func (s *Service) changed(id string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch := s.changes[id]; ch != nil {
		close(ch)
		delete(s.changes, id)
	}
}

// waitUntil returns the escrow once done says so, or as it is when ctx
// ends (not an error: the caller asked to wait at most that long).
func (s *Service) waitUntil(ctx context.Context, id string, done func(store.Escrow) bool) (store.Escrow, error) {
	for {
		s.mu.Lock()
		ch := s.changes[id]
		if ch == nil {
			ch = make(chan struct{})
			s.changes[id] = ch
		}
		s.mu.Unlock()
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.FinishTimeout)
		e, err := s.cfg.Store.Get(rctx, id)
		cancel()
		if err != nil || done(e) {
			return e, err
		}
		select {
		case <-ch:
		case <-ctx.Done():
			return e, nil
		}
	}
}
