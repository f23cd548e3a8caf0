package escrows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// Payout pays a funded escrow out: release (to the vendor), refund (to the
// buyer) or resolve (to winner, the buyer or the vendor). It claims the
// payout in the store (funded -> paying_out, one payout per escrow, before
// anything is signed), starts it in the background and returns the escrow,
// paying_out. WaitPayout waits for its end: paid (released, refunded,
// resolved) with its transaction, or funded again with last_error.
//
// Refusals, with nothing signed or sent and nothing changed: ErrOffline
// (Config.NoPayer); a *ValidationError for a phase that is no payout, a winner that is not the
// buyer or the vendor on resolve (or any winner on release and refund), or
// payee addresses that fail the checks of SetAddresses; ErrNotFunded;
// ErrPaying (with the escrow and the payout that exists); ErrNoAddress;
// ErrShuttingDown. The span in ctx (the HTTP request's) is linked from the
// payout's phase in the escrow's trace.
func (s *Service) Payout(ctx context.Context, id string, phase escrow.Phase, winner escrow.Role) (store.Escrow, error) {
	if s.cfg.Payer == nil {
		return store.Escrow{}, s.noPayer()
	}
	if err := checkPayout(phase, winner); err != nil {
		return store.Escrow{}, err
	}
	e, err := s.cfg.Store.Get(ctx, id)
	if err != nil {
		return store.Escrow{}, err
	}
	switch {
	case e.Status == store.StatusPayingOut || e.Status.Paid():
		return e, fmt.Errorf("%w: escrow %s is %s", ErrPaying, id, e.Status)
	case e.Status != store.StatusFunded:
		return e, fmt.Errorf("%w: escrow %s is %s", ErrNotFunded, id, e.Status)
	case e.BuyerAddress == "" || e.VendorAddress == "":
		return e, ErrNoAddress
	}
	// The stored addresses are checked again: the network's rules may be
	// stricter than when they were set (another --network).
	if err := s.checkAddresses(e.BuyerAddress, e.VendorAddress, e.MultisigAddress); err != nil {
		return e, err
	}
	payee, _ := phase.Payee(winner)

	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return e, ErrShuttingDown
	}
	s.paying++
	s.payouts.Add(1)
	s.mu.Unlock()
	claimed, err := s.cfg.Store.ClaimPayout(ctx, id, store.Claim{Phase: phase, Winner: winner, ToRole: payee, PayeeAddress: e.Address(payee)})
	if err != nil {
		s.payoutDone()
		now, gerr := s.cfg.Store.Get(context.WithoutCancel(ctx), id)
		if gerr != nil {
			now = e
		}
		switch {
		case errors.Is(err, store.ErrPaying), errors.Is(err, store.ErrSent):
			return now, fmt.Errorf("%w: %w", ErrPaying, err)
		case errors.Is(err, store.ErrNotFunded):
			return now, fmt.Errorf("%w: %w", ErrNotFunded, err)
		}
		return store.Escrow{}, err
	}
	s.changed(id)
	pctx := s.payCtx
	if s.cfg.Link != nil {
		pctx = s.cfg.Link(pctx, ctx)
	}
	s.logger.Info("payout started", "escrow_id", id, "phase", phase, "to_role", payee)
	go s.pay(pctx, claimed, nil)
	return claimed, nil
}

// checkPayout checks a payout's phase and winner before anything is read.
func checkPayout(phase escrow.Phase, winner escrow.Role) error {
	if !phase.IsPayout() {
		return &ValidationError{Field: "phase", Reason: fmt.Sprintf("%q is not a payout: want release, refund or resolve", phase)}
	}
	if phase == escrow.PhaseResolve {
		if _, ok := phase.Payee(winner); !ok {
			return &ValidationError{Field: "winner", Reason: fmt.Sprintf(`%.40q: a dispute is won by "buyer" or "vendor"`, winner)}
		}
		return nil
	}
	if winner != "" {
		return &ValidationError{Field: "winner", Reason: fmt.Sprintf("only resolve has a winner (%s pays the %s)", phase, map[escrow.Phase]string{escrow.PhaseRelease: "vendor", escrow.PhaseRefund: "buyer"}[phase])}
	}
	return nil
}

// WaitPayout blocks until the escrow is no longer paying out (paid, or
// funded again after a failed attempt), or ctx is done, and returns it as
// it is then.
func (s *Service) WaitPayout(ctx context.Context, id string) (store.Escrow, error) {
	return s.waitUntil(ctx, id, func(e store.Escrow) bool { return e.Status != store.StatusPayingOut })
}

func (s *Service) payoutDone() {
	s.mu.Lock()
	s.paying--
	s.mu.Unlock()
	s.payouts.Done()
}

// Record keeps a payout's write-ahead record in the store (the payer's
// multisig.Journal): build the Payer with
//
//	Journal: multisig.JournalFunc(func(ctx context.Context, id string, rec multisig.PayoutRecord) error {
//		return svc.Record(ctx, id, rec)
//	})
//
// It writes even when ctx is cancelled (the record says what exists), then
// calls Config.OnRecord. The record's transaction set is stored, never logged.
func (s *Service) Record(ctx context.Context, escrowID string, rec multisig.PayoutRecord) error {
	if err := s.record(func(ctx context.Context) error {
		return s.cfg.Store.RecordPayout(ctx, escrowID, store.Record{
			Stage: store.Stage(rec.Stage), TxSet: rec.TxSet, TxHashes: rec.TxHashes,
			Amount: rec.Amount, Fee: rec.Fee, Height: rec.Height,
		})
	}); err != nil {
		return err
	}
	if s.cfg.OnRecord != nil {
		s.cfg.OnRecord(escrowID, rec.Stage)
	}
	return nil
}

// pay is one payout's background life: Pay (or Resume from rec), then the
// escrow paid, or back to funded with its last error. A payout whose
// transaction may have been sent (its record is signed or submitted) is
// never started again nor sent back to funded: it is resumed every
// PayoutRetry until it ends, or left paying_out at shutdown for Recover.
func (s *Service) pay(ctx context.Context, e store.Escrow, rec *store.Record) {
	defer s.payoutDone()
	defer s.changed(e.ID)
	log := s.logger.With("escrow_id", e.ID, "phase", e.Payout.Phase)
	req := multisig.PayoutRequest{EscrowID: e.ID, Phase: e.Payout.Phase, Winner: e.Payout.Winner,
		PayeeAddress: e.Payout.PayeeAddress, Wallets: e.Wallets}
	start := time.Now()
	var (
		res     multisig.PayoutResult
		err     error
		lastErr string // of the last resume, for the log
		stuck   bool   // said at error level that it does not finish
	)
	claimed := e.Payout.StartedAt
	if claimed.IsZero() {
		claimed = start
	}
	if rec == nil {
		res, err = s.callPayer(func() (multisig.PayoutResult, error) { return s.cfg.Payer.Pay(ctx, req) })
	} else {
		log.Info("resuming payout", "stage", string(rec.Stage))
		res, err = s.callPayer(func() (multisig.PayoutResult, error) { return s.cfg.Payer.Resume(ctx, req, recordOf(*rec)) })
	}
	for {
		if err == nil {
			s.finish(ctx, e, res, time.Since(start))
			return
		}
		failure := payoutFailure(req.Phase, err)
		if ctx.Err() != nil {
			log.Warn("payout stopped by shutdown: left paying_out, resumed at the next start", "err", err)
			s.noteError(e.ID, failure)
			return
		}
		var stored store.Record
		rerr := s.record(func(ctx context.Context) error {
			var err error
			stored, err = s.cfg.Store.PayoutRecord(ctx, e.ID)
			return err
		})
		if rerr != nil {
			log.Error("payout failed and its record cannot be read: left paying_out for the next start", "err", err, "read_err", rerr)
			return
		}
		if !stored.Stage.Sent() {
			// The failed phase has ended, its trace is final: its root
			// cause is kept with the failure, as a failed setup's is.
			failure.Cause = s.diagnose(e.ID)
			ferr := s.record(func(ctx context.Context) error {
				_, err := s.cfg.Store.FailPayout(ctx, e.ID, failure)
				return err
			})
			if ferr == nil {
				log.Warn("payout failed; the escrow is funded again and the payout can be asked again",
					"step", failure.Step, "role", failure.Role, "err", err, "duration", time.Since(start))
				return
			}
			if !errors.Is(ferr, store.ErrSent) {
				log.Error("payout failed and cannot be recorded: left paying_out for the next start", "err", err, "record_err", ferr)
				return
			}
			// Signed meanwhile: only finishing is safe.
			if rerr := s.record(func(ctx context.Context) error {
				var err error
				stored, err = s.cfg.Store.PayoutRecord(ctx, e.ID)
				return err
			}); rerr != nil {
				log.Error("payout record cannot be read: left paying_out for the next start", "err", rerr)
				return
			}
		}
		// The transaction may have reached the daemon: resume, never restart.
		// Said at warn once per distinct error, then at debug.
		s.noteError(e.ID, failure)
		level := slog.LevelWarn
		if err.Error() == lastErr {
			level = slog.LevelDebug
		}
		lastErr = err.Error()
		log.Log(ctx, level, "payout failed after its transaction was signed: resuming it (never signed again)",
			"stage", string(stored.Stage), "step", failure.Step, "err", err, "retry", s.cfg.PayoutRetry)
		if age := time.Since(claimed); !stuck && age >= s.cfg.PayoutStuckAfter {
			stuck = true
			log.Error("payout stuck: its signed transaction has not reached the daemon; the money stays in the escrow's wallet and escrowd keeps resuming it (never signing again). Check the daemon (reachable, synced) and the wallet servers",
				"stage", string(stored.Stage), "step", failure.Step, "err", err, "in_flight", age.Round(time.Second))
		}
		select {
		case <-ctx.Done():
			log.Warn("payout left paying_out at shutdown: resumed at the next start")
			return
		case <-time.After(s.cfg.PayoutRetry):
		}
		res, err = s.callPayer(func() (multisig.PayoutResult, error) { return s.cfg.Payer.Resume(ctx, req, recordOf(stored)) })
	}
}

// callPayer turns a panic of the payer into an error: one bad payout does
// not take the daemon down.
func (s *Service) callPayer(f func() (multisig.PayoutResult, error)) (res multisig.PayoutResult, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: payout panicked: %v", p)
		}
	}()
	return f()
}

// finish records a payout that reached the daemon.
func (s *Service) finish(ctx context.Context, e store.Escrow, res multisig.PayoutResult, took time.Duration) {
	log := s.logger.With("escrow_id", e.ID, "phase", e.Payout.Phase)
	hashes := res.TxHashes
	if len(hashes) == 0 && res.TxHash != "" {
		hashes = []string{res.TxHash}
	}
	if !res.Resumed {
		if rec, err := s.cfg.Store.PayoutRecord(context.WithoutCancel(ctx), e.ID); err == nil && rec.Stage == store.StageClaimed {
			log.Error("the payer kept no write-ahead record in this service's store: its PayoutConfig.Journal is not Service.Record, and a crash mid-payout could not be resumed")
		}
	}
	var done store.Escrow
	if err := s.record(func(ctx context.Context) error {
		var err error
		done, err = s.cfg.Store.FinishPayout(ctx, e.ID, store.Paid{TxHashes: hashes, Amount: res.Amount, Fee: res.Fee, Height: res.Height})
		return err
	}); err != nil {
		// Recover finds its record submitted and the transaction on the
		// daemon: it is recorded paid then, without sending anything.
		log.Error("payout sent but not recorded paid: left paying_out for the next start", "err", err)
		return
	}
	if res.SyncErr != nil {
		log.Warn("payout sent; a wallet did not sync after it (it will at its next refresh)", "err", res.SyncErr)
	}
	log.Info("escrow paid", "status", done.Status, "to_role", res.Payee, "amount", res.Amount, "fee", res.Fee,
		"tx", escrow.HashTxID(res.TxHash), "resumed", res.Resumed, "duration", took)
}

func (s *Service) noteError(id string, f store.PayoutFailure) {
	if err := s.record(func(ctx context.Context) error { return s.cfg.Store.NotePayoutError(ctx, id, f) }); err != nil {
		s.logger.Debug("cannot note payout error", "escrow_id", id, "err", err)
	}
}

// payoutFailure is where a payout failed, from the payer's PayoutError.
func payoutFailure(phase escrow.Phase, err error) store.PayoutFailure {
	var pe *multisig.PayoutError
	if errors.As(err, &pe) {
		f := store.PayoutFailure{Phase: pe.Phase, Step: pe.Step, Role: pe.Role, Message: pe.Err.Error(), Kind: multisig.KindOf(err)}
		if f.Phase == "" {
			f.Phase = phase
		}
		return f
	}
	return store.PayoutFailure{Phase: phase, Message: err.Error(), Kind: multisig.KindOf(err)}
}

func recordOf(r store.Record) multisig.PayoutRecord {
	return multisig.PayoutRecord{Stage: multisig.PayoutStage(r.Stage), TxSet: r.TxSet, TxHashes: r.TxHashes,
		Amount: r.Amount, Fee: r.Fee, Height: r.Height}
}

// Recover is called once at start-up, after store.MarkInterrupted: it
// resumes every payout a stopped process left paying_out (Payer.Resume
// with its stored record: found on the daemon, submitted again, or started
// again from fresh multisig info when it was never signed) and starts the
// funding watcher. Offline (no Payer) it only says how many payouts wait.
func (s *Service) Recover(ctx context.Context) error {
	left, err := s.cfg.Store.PayingOut(ctx)
	if err != nil {
		return fmt.Errorf("recover payouts: %w", err)
	}
	if s.cfg.Payer == nil {
		if len(left) > 0 {
			s.logger.Warn("payouts left paying out cannot be resumed", "why", s.noPayer(), "payouts", len(left))
		}
		return nil
	}
	for _, p := range left {
		if p.Escrow.Payout == nil {
			s.logger.Error("escrow paying out without a payout row: not resumed", "escrow_id", p.Escrow.ID)
			continue
		}
		s.mu.Lock()
		if s.closing {
			s.mu.Unlock()
			return ErrShuttingDown
		}
		s.paying++
		s.payouts.Add(1)
		s.mu.Unlock()
		rec := p.Record
		go s.pay(s.payCtx, p.Escrow, &rec)
	}
	if len(left) > 0 {
		s.logger.Info("resuming payouts left by the previous run", "payouts", len(left))
	}
	s.startWatcher()
	return nil
}

// PayoutTx is where the escrow's payout transaction is on the daemon (its
// block height and confirmations once mined). ok is false when the escrow
// has no payout transaction yet, when there is no daemon, or when the
// daemon cannot say (the caller shows the stored payout alone).
func (s *Service) PayoutTx(ctx context.Context, e store.Escrow) (st chain.TxStatus, ok bool) {
	if s.cfg.Chain == nil || e.Payout == nil || e.Payout.TxHash() == "" {
		return chain.TxStatus{}, false
	}
	sts, err := s.cfg.Chain.Transactions(ctx, e.Payout.TxHash())
	if err != nil || len(sts) == 0 {
		if err != nil {
			s.logger.Debug("payout transaction status unavailable", "escrow_id", e.ID, "err", err)
		}
		return chain.TxStatus{}, false
	}
	return sts[0], true
}
