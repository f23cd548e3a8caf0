package escrows

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// fundTimeout bounds Fund's work on the chain (pay, mine, the first check).
const fundTimeout = 5 * time.Minute

// fundExtraBlocks bounds the blocks Fund mines one at a time after the
// first SpendableAge+1 while the escrow's wallet says its funds are locked.
const fundExtraBlocks = 3

// checkTimeout bounds one funding check of one escrow (lease, open,
// refresh, balance).
const checkTimeout = 3 * time.Minute

// Fund is regtest's dev faucet: it pays a ready escrow's multisig address
// its amount and mines the blocks that unlock it (chain.SpendableAge+1,
// then one at a time, at most fundExtraBlocks, while the escrow's wallet
// says they are locked), checks the escrow's wallet and marks it funded.
// It returns the escrow as it is then: funded, or still ready when the wallet has not caught up yet
// (the funding watcher marks it funded later). Refusals: ErrOffline,
// ErrNoFaucet (any network but regtest), ErrNotReady (pending, running,
// failed, or funded already), ErrFunding (a Fund of the same escrow is
// running), ErrShuttingDown. The chain work is not cancelled with ctx: a
// payment without its blocks would leave the escrow waiting.
func (s *Service) Fund(ctx context.Context, id string) (store.Escrow, error) {
	if s.cfg.Payer == nil {
		return store.Escrow{}, s.noPayer()
	}
	if s.cfg.Faucet == nil {
		return store.Escrow{}, ErrNoFaucet
	}
	e, err := s.cfg.Store.Get(ctx, id)
	if err != nil {
		return store.Escrow{}, err
	}
	if e.Status != store.StatusReady {
		return e, fmt.Errorf("%w: escrow %s is %s", ErrNotReady, id, e.Status)
	}
	s.mu.Lock()
	switch {
	case s.closing:
		s.mu.Unlock()
		return e, ErrShuttingDown
	case s.funding[id]:
		s.mu.Unlock()
		return e, ErrFunding
	}
	s.funding[id] = true
	s.payouts.Add(1) // Shutdown waits for it like for a payout
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.funding, id)
		s.mu.Unlock()
		s.payouts.Done()
	}()

	fctx := context.WithoutCancel(ctx)
	if s.cfg.Link != nil {
		fctx = s.cfg.Link(fctx, ctx)
	}
	fctx, cancel := context.WithTimeout(fctx, fundTimeout)
	defer cancel()
	log := s.logger.With("escrow_id", id)
	txid, err := s.cfg.Faucet.Pay(fctx, e.MultisigAddress, e.Amount)
	if err != nil {
		return e, fmt.Errorf("%w: pay %d: %w", ErrFaucet, e.Amount, err)
	}
	// The payment is mined in the first block, which has SpendableAge-1
	// on top after SpendableAge blocks: measured on the real regtest, the
	// wallet says it is unlocked one block later.
	height, err := s.cfg.Faucet.Mine(fctx, chain.SpendableAge+1)
	if err != nil {
		return e, fmt.Errorf("%w: mine %d blocks: %w", ErrFaucet, chain.SpendableAge+1, err)
	}
	log.Info("faucet paid the escrow", "amount", e.Amount, "tx", escrow.HashTxID(txid), "height", height)
	for extra := 0; ; extra++ {
		if err := s.checkFunded(fctx, id); err != nil {
			// The watcher tries again; the payment is on the chain.
			log.Warn("funding check after the faucet's payment failed; the watcher tries again", "err", err)
			s.pokeWatcher()
			break
		}
		f, err := s.cfg.Store.Get(fctx, id)
		if err != nil || f.Status != store.StatusReady || extra == fundExtraBlocks {
			break
		}
		// Still locked to the wallet: one more block, a bounded few times.
		if height, err = s.cfg.Faucet.Mine(fctx, 1); err != nil {
			return f, fmt.Errorf("%w: mine a block: %w", ErrFaucet, err)
		}
		log.Info("escrow's funds not unlocked yet: mined one more block", "height", height)
	}
	return s.cfg.Store.Get(context.WithoutCancel(ctx), id)
}

// WaitFunded blocks until the escrow is no longer ready (funded, or
// further), or ctx is done, and returns it as it is then.
func (s *Service) WaitFunded(ctx context.Context, id string) (store.Escrow, error) {
	return s.waitUntil(ctx, id, func(e store.Escrow) bool { return e.Status != store.StatusReady })
}

// checkFunded asks the payer whether a ready escrow's wallet holds its
// amount, unlocked, and marks it funded when it does. One check runs at a
// time (an escrow's wallet is opened on one server at once; a payout only
// starts on a funded escrow, which this is not while it is checked).
func (s *Service) checkFunded(ctx context.Context, id string) error {
	s.checkMu.Lock()
	defer s.checkMu.Unlock()
	e, err := s.cfg.Store.Get(ctx, id)
	if err != nil {
		return err
	}
	if e.Status != store.StatusReady {
		return nil
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	f, err := s.cfg.Payer.Funded(ctx, id, e.Wallets, e.Amount)
	if err != nil {
		return err
	}
	if !f.Funded {
		return nil
	}
	if err := s.record(func(ctx context.Context) error {
		return s.cfg.Store.MarkFunded(ctx, id, f.Balance, f.UnlockedBalance)
	}); err != nil {
		return err
	}
	s.logger.Info("escrow funded", "escrow_id", id, "balance", f.Balance, "unlocked_balance", f.UnlockedBalance)
	s.changed(id)
	return nil
}

// startWatcher starts the funding watcher once.
func (s *Service) startWatcher() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.watchOn || s.closing || s.cfg.Payer == nil {
		return
	}
	s.watchOn = true
	ctx, cancel := context.WithCancel(context.Background())
	s.watchCancel = cancel
	s.watching.Add(1)
	go func() {
		defer s.watching.Done()
		s.watchFunding(ctx)
	}()
}

func (s *Service) stopWatcher() {
	s.mu.Lock()
	cancel := s.watchCancel
	s.mu.Unlock()
	if cancel != nil {
		cancel()
	}
	s.watching.Wait()
}

func (s *Service) pokeWatcher() {
	select {
	case s.poke <- struct{}{}:
	default:
	}
}

// watchFunding checks every ready escrow's wallet each FundingPoll until
// ctx ends. A failing check (the daemon restarting, a wallet server gone)
// is logged once at warn while it keeps failing the same way, then at
// debug; the escrow is checked again at the next poll.
func (s *Service) watchFunding(ctx context.Context) {
	t := time.NewTicker(s.cfg.FundingPoll)
	defer t.Stop()
	failing := map[string]string{} // escrow ID -> its check's last error
	for {
		s.pollFunding(ctx, failing)
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-s.poke:
		}
	}
}

func (s *Service) pollFunding(ctx context.Context, failing map[string]string) {
	waiting, err := s.cfg.Store.Waiting(ctx)
	if err != nil {
		if ctx.Err() == nil {
			s.logger.Warn("funding watcher cannot list ready escrows", "err", err)
		}
		return
	}
	seen := map[string]bool{}
	for _, e := range waiting {
		if ctx.Err() != nil {
			return
		}
		seen[e.ID] = true
		err := s.checkFunded(ctx, e.ID)
		switch {
		case err == nil:
			if _, was := failing[e.ID]; was {
				s.logger.Info("funding check works again", "escrow_id", e.ID)
				delete(failing, e.ID)
			}
		case ctx.Err() != nil || errors.Is(err, context.Canceled):
			return
		case failing[e.ID] != err.Error():
			s.logger.Warn("funding check failed; retrying at each poll", "escrow_id", e.ID, "err", err, "poll", s.cfg.FundingPoll)
			failing[e.ID] = err.Error()
		default:
			s.logger.Debug("funding check failed again", "escrow_id", e.ID, "err", err)
		}
	}
	for id := range failing {
		if !seen[id] {
			delete(failing, id)
		}
	}
}
