package escrows

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// Runner runs one escrow's multisig setup and blocks until it ends
// (*multisig.Coordinator). The Service calls it from one goroutine per
// escrow, concurrently; ctx is cancelled when the Service shuts down.
type Runner interface {
	Run(ctx context.Context, e multisig.Escrow) (multisig.Result, error)
}

// Errors of Submit that callers tell apart with errors.Is. A *ValidationError
// is the third kind of refusal. Nothing is stored for any of them.
var (
	// ErrBusy: as many escrows as allowed are in flight; try again later.
	ErrBusy = errors.New("too many escrows in flight")
	// ErrShuttingDown: the service no longer accepts escrows.
	ErrShuttingDown = errors.New("shutting down")
)

// ErrNotFound is returned for an unknown escrow ID (store.ErrNotFound).
var ErrNotFound = store.ErrNotFound

// Reasons recorded as an escrow's error when it did not end on its own.
const (
	// ReasonShutdown: the process stopped it at shutdown, after the grace period.
	ReasonShutdown = "shutdown"
	// ReasonInterrupted: the process stopped without finishing it (see store).
	ReasonInterrupted = store.ReasonInterrupted
)

// Config configures a Service.
type Config struct {
	Store  *store.Store
	Runner Runner
	// MaxInFlight bounds the escrows that are pending or running at once;
	// Submit refuses more with ErrBusy. Must be > 0.
	MaxInFlight int
	// Link carries the submitting request's span into the escrow's run
	// context, so that the escrow's own trace links back to the request
	// (trace.LinkRequest). nil links nothing.
	Link func(dst, src context.Context) context.Context
	// FinishTimeout bounds recording an escrow's end in the store; default 10 s.
	FinishTimeout time.Duration
	// CancelGrace is how long Shutdown waits for cancelled runs to return
	// before it records them failed itself; default 10 s.
	CancelGrace time.Duration
	// Diagnose names the root cause of a failed escrow (an analysis kind,
	// e.g. "already_multisig_before_round1"; "" when it cannot tell). It is
	// called once per failed escrow, after its run returned, when its trace
	// is final, and its answer is stored with the escrow's end, so that no
	// list has to read trace files. nil diagnoses nothing.
	Diagnose func(ctx context.Context, escrowID string) (cause string)

	// Payer funds and pays escrows out (*multisig.Payer). nil means
	// setups only (no daemon, or no leased pool); Fund and Payout answer
	// NoPayer. Its PayoutConfig.Journal must be this Service
	// (Service.Record), or a crash mid-payout cannot be resumed.
	Payer Payer
	// NoPayer is what Fund and Payout answer when Payer is nil: why this
	// escrowd has no payouts. It must match ErrOffline (errors.Is); nil
	// is ErrOffline itself (no daemon, --offline).
	NoPayer error
	// Faucet is the regtest dev faucet (*chain.Faucet); nil on any other
	// network, and then Fund answers ErrNoFaucet.
	Faucet Faucet
	// Chain is the daemon (*chain.Client): a payout's confirmations. nil
	// when offline.
	Chain ChainInfo
	// ValidateAddress checks a payee address against the network's rules
	// (prefix, checksum); nil accepts any address of Monero's form.
	ValidateAddress func(addr string) error
	// FundingPoll is how often the ready escrows' wallets are checked for
	// their funds; default 5 s.
	FundingPoll time.Duration
	// PayoutRetry is the pause between attempts to finish a payout whose
	// transaction may have been sent (it is never started again, only
	// resumed); default 10 s.
	PayoutRetry time.Duration
	// PayoutStuckAfter is how long a payout whose transaction may have been
	// sent can keep failing to finish before escrowd says so at error level,
	// once (the gauge escrowd.payout.in_flight.age shows it too); default
	// 15 minutes.
	PayoutStuckAfter time.Duration
	// OnRecord is called after the store kept a payout's write-ahead
	// record at stage (a hook for fault injection); nil for none.
	OnRecord func(escrowID string, stage multisig.PayoutStage)

	Logger *slog.Logger
}

// Service runs escrows. It is safe for concurrent use.
type Service struct {
	cfg    Config
	logger *slog.Logger

	// runCtx is the parent of every run; cancelRuns ends them at shutdown.
	runCtx     context.Context
	cancelRuns context.CancelFunc
	runs       sync.WaitGroup

	// payCtx is the parent of every payout; cancelPayouts stops them at
	// shutdown, after the grace (see Shutdown).
	payCtx        context.Context
	cancelPayouts context.CancelFunc
	payouts       sync.WaitGroup

	// watchCancel stops the funding watcher; watching counts it.
	watchCancel context.CancelFunc
	watching    sync.WaitGroup
	poke        chan struct{} // asks the watcher for a check now

	checkMu sync.Mutex // one funding check at a time: an escrow's wallet is opened once
	addrMu  sync.Mutex // address checks and writes, one at a time

	mu       sync.Mutex
	inFlight map[string]chan struct{} // closed when the escrow's end is recorded
	reserved int                      // admitted but not yet in inFlight
	closing  bool
	paying   int                      // payouts running
	funding  map[string]bool          // escrows the faucet is paying now
	changes  map[string]chan struct{} // closed when the escrow changes (waitUntil)
	watchOn  bool
}

// New returns a Service. It does not touch the store: call
// store.MarkInterrupted before, once, at start-up.
func New(cfg Config) (*Service, error) {
	if cfg.Store == nil {
		return nil, errors.New("escrow service: no store")
	}
	if cfg.Runner == nil {
		return nil, errors.New("escrow service: no runner")
	}
	if cfg.MaxInFlight <= 0 {
		return nil, fmt.Errorf("escrow service: MaxInFlight %d, want > 0", cfg.MaxInFlight)
	}
	if cfg.FinishTimeout <= 0 {
		cfg.FinishTimeout = 10 * time.Second
	}
	if cfg.CancelGrace <= 0 {
		cfg.CancelGrace = 10 * time.Second
	}
	if cfg.FundingPoll <= 0 {
		cfg.FundingPoll = 5 * time.Second
	}
	if cfg.PayoutStuckAfter <= 0 {
		cfg.PayoutStuckAfter = 15 * time.Minute
	}
	if cfg.PayoutRetry <= 0 {
		cfg.PayoutRetry = 10 * time.Second
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	ctx, cancel := context.WithCancel(context.Background())
	payCtx, cancelPayouts := context.WithCancel(context.Background())
	return &Service{
		cfg:           cfg,
		logger:        cfg.Logger,
		runCtx:        ctx,
		cancelRuns:    cancel,
		payCtx:        payCtx,
		cancelPayouts: cancelPayouts,
		poke:          make(chan struct{}, 1),
		inFlight:      map[string]chan struct{}{},
		funding:       map[string]bool{},
		changes:       map[string]chan struct{}{},
	}, nil
}

// Submit checks req, admits it, stores it pending and starts its setup in the
// background; it returns the stored escrow without waiting for the setup.
// Refusals (a *ValidationError, ErrBusy, ErrShuttingDown) store nothing.
// The span in ctx (the HTTP request's) is linked from the escrow's trace.
func (s *Service) Submit(ctx context.Context, req Request) (store.Escrow, error) {
	if err := req.Validate(); err != nil {
		return store.Escrow{}, err
	}
	if err := s.checkAddresses(req.BuyerAddress, req.VendorAddress, ""); err != nil {
		return store.Escrow{}, err
	}
	if err := s.admit(); err != nil {
		return store.Escrow{}, err
	}
	e, err := s.create(ctx, req)
	if err != nil {
		s.release()
		return store.Escrow{}, err
	}

	done := make(chan struct{})
	s.mu.Lock()
	s.reserved--
	s.inFlight[e.ID] = done
	s.mu.Unlock()

	runCtx := s.runCtx
	if s.cfg.Link != nil {
		runCtx = s.cfg.Link(runCtx, ctx)
	}
	go s.run(runCtx, e, done)
	return e, nil
}

// admit takes a place for an escrow and counts its run at once, under the
// same lock as Shutdown's closing: an admitted escrow is one Shutdown waits
// for, even if its run has not started yet.
func (s *Service) admit() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrShuttingDown
	}
	if len(s.inFlight)+s.reserved >= s.cfg.MaxInFlight {
		return fmt.Errorf("%w (limit %d)", ErrBusy, s.cfg.MaxInFlight)
	}
	s.reserved++
	s.runs.Add(1)
	return nil
}

// release gives back an admitted place whose escrow never started.
func (s *Service) release() {
	s.mu.Lock()
	s.reserved--
	s.mu.Unlock()
	s.runs.Done()
}

func (s *Service) create(ctx context.Context, req Request) (store.Escrow, error) {
	id := uuid.NewString()
	traceID, err := escrow.TraceIDFor(id)
	if err != nil {
		return store.Escrow{}, fmt.Errorf("submit escrow: %w", err)
	}
	e := store.Escrow{
		ID: id, TraceID: traceID,
		BuyerID: req.BuyerID, VendorID: req.VendorID, Amount: req.Amount,
		BuyerAddress: req.BuyerAddress, VendorAddress: req.VendorAddress,
		Status: store.StatusPending, CreatedAt: time.Now().UTC(),
	}
	if err := s.cfg.Store.Create(ctx, e); err != nil {
		return store.Escrow{}, fmt.Errorf("submit escrow: %w", err)
	}
	return e, nil
}

// run is one escrow's background life: running, the setup, its end recorded.
func (s *Service) run(ctx context.Context, e store.Escrow, done chan struct{}) {
	defer s.runs.Done()
	defer func() {
		s.mu.Lock()
		delete(s.inFlight, e.ID)
		s.mu.Unlock()
		close(done)
		s.changed(e.ID)
	}()
	log := s.logger.With("escrow_id", e.ID)

	end := store.End{Status: store.StatusFailed}
	if err := s.record(func(ctx context.Context) error { return s.cfg.Store.SetRunning(ctx, e.ID) }); err != nil {
		log.Error("escrow not started: cannot record it running", "err", err)
		end.Error = "internal error: " + err.Error()
	} else {
		log.Info("escrow setup started")
		start := time.Now()
		res, err := s.runSetup(ctx, e)
		switch {
		case err == nil:
			end.Status, end.Address, end.Wallets = store.StatusReady, res.Address, res.Wallets
			log.Info("escrow ready", "duration", time.Since(start))
		case ctx.Err() != nil:
			// Cancelled by Shutdown after its grace period: the coordinator's
			// error is a consequence, the reason is the shutdown.
			end.Error, end.Failure = ReasonShutdown, failureOf(err)
			log.Warn("escrow stopped by shutdown", "err", err)
		default:
			end.Error, end.Failure = err.Error(), failureOf(err)
			log.Warn("escrow failed", "err", err, "kind", end.Failure.Kind, "duration", time.Since(start))
		}
		if end.Status == store.StatusFailed {
			end.Cause = s.diagnose(e.ID)
		}
	}
	if err := s.record(func(ctx context.Context) error { return s.cfg.Store.End(ctx, e.ID, end) }); err != nil {
		// The next start marks it interrupted.
		log.Error("cannot record escrow end", "status", end.Status, "err", err)
	}
}

// failureOf is where a run failed, from the coordinator's step error; a
// failure without one (a panic) has only a kind.
func failureOf(err error) store.Failure {
	var se *multisig.StepError
	if errors.As(err, &se) {
		return store.Failure{Phase: se.Phase, Role: se.Role, Round: se.Round, Operation: se.Operation, Kind: multisig.KindOf(se)}
	}
	return store.Failure{Kind: multisig.KindOf(err)}
}

// diagnose asks Config.Diagnose for a failed escrow's root cause; its run
// has returned, so the escrow's trace has ended. A panic in it costs the
// cause, not the escrow's end.
func (s *Service) diagnose(id string) (cause string) {
	if s.cfg.Diagnose == nil {
		return ""
	}
	defer func() {
		if p := recover(); p != nil {
			s.logger.Error("diagnose escrow panicked", "escrow_id", id, "panic", p)
			cause = ""
		}
	}()
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.FinishTimeout)
	defer cancel()
	return s.cfg.Diagnose(ctx, id)
}

// runSetup calls the runner, turning a panic into an error so that one bad
// escrow does not take the daemon and every other escrow down.
func (s *Service) runSetup(ctx context.Context, e store.Escrow) (res multisig.Result, err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: setup panicked: %v", p)
		}
	}()
	return s.cfg.Runner.Run(ctx, multisig.Escrow{ID: e.ID, BuyerID: e.BuyerID, VendorID: e.VendorID, Amount: e.Amount})
}

// record writes to the store with a context of its own: the end of an escrow
// must be recorded even when its run was cancelled.
func (s *Service) record(write func(context.Context) error) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.cfg.FinishTimeout)
	defer cancel()
	return write(ctx)
}

// Get returns an escrow; errors.Is(err, ErrNotFound) for an unknown ID.
func (s *Service) Get(ctx context.Context, id string) (store.Escrow, error) {
	return s.cfg.Store.Get(ctx, id)
}

// Wait blocks until the escrow is ready or failed, or ctx is done, and
// returns it as it is then (a ctx that ends is not an error here: the caller
// asked to wait at most that long).
func (s *Service) Wait(ctx context.Context, id string) (store.Escrow, error) {
	s.mu.Lock()
	done := s.inFlight[id]
	s.mu.Unlock()
	if done != nil {
		select {
		case <-done:
		case <-ctx.Done():
		}
	}
	// The caller's ctx may be over; the read is short and must still happen.
	rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.cfg.FinishTimeout)
	defer cancel()
	return s.cfg.Store.Get(rctx, id)
}

// List returns up to limit escrows, newest first; status "" means all.
func (s *Service) List(ctx context.Context, status store.Status, limit int) ([]store.Escrow, error) {
	return s.cfg.Store.List(ctx, status, limit)
}

// InFlight is how many escrows are admitted and not yet finished.
func (s *Service) InFlight() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.inFlight) + s.reserved
}

// Shutdown stops accepting escrows and payouts, stops the funding watcher,
// and lets the running setups and payouts finish until ctx is done. Then
// it cancels them: each cancelled setup is recorded failed with
// ReasonShutdown as its runner returns; a cancelled payout is left
// paying_out, as a crash would leave it, and Recover resumes it at the next
// start (from its write-ahead record: a signed transaction is submitted or
// found, never signed again; an unsigned one starts again from fresh
// multisig info). Cancelling a payout mid-submit is safe for that reason,
// but Shutdown prefers to let it finish: ctx is the grace it gets. It
// returns once every setup has ended and been recorded and every payout
// goroutine has returned (or CancelGrace passed after the cancel); the
// error says how many were cancelled.
func (s *Service) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	s.closing = true
	s.mu.Unlock()
	s.stopWatcher()

	all := make(chan struct{})
	go func() {
		s.runs.Wait()
		s.payouts.Wait()
		close(all)
	}()
	select {
	case <-all:
		s.cancelRuns()
		s.cancelPayouts()
		return nil
	case <-ctx.Done():
	}
	n := s.InFlight()
	s.mu.Lock()
	paying := s.paying
	s.mu.Unlock()
	s.logger.Warn("shutdown timeout: cancelling running escrows and payouts (payouts are resumed at the next start)",
		"escrows", n, "payouts", paying)
	s.cancelRuns()
	s.cancelPayouts()
	// The coordinator returns promptly on cancellation (its wallet calls
	// take ctx); waiting for it is what lets each end be recorded. A runner
	// that ignores cancellation is given CancelGrace, then its escrow is
	// recorded here so that none is left running in the store.
	t := time.NewTimer(s.cfg.CancelGrace)
	defer t.Stop()
	select {
	case <-all:
	case <-t.C:
		s.mu.Lock()
		stuck := make([]string, 0, len(s.inFlight))
		for id := range s.inFlight {
			stuck = append(stuck, id)
		}
		s.mu.Unlock()
		for _, id := range stuck {
			s.logger.Error("escrow did not stop after cancellation", "escrow_id", id)
			if err := s.record(func(ctx context.Context) error {
				return s.cfg.Store.Finish(ctx, id, store.StatusFailed, "", ReasonShutdown)
			}); err != nil && !errors.Is(err, store.ErrFinal) {
				s.logger.Error("cannot record escrow end", "escrow_id", id, "err", err)
			}
		}
	}
	return fmt.Errorf("shutdown: %d escrows and %d payouts cancelled: %w", n, paying, ctx.Err())
}
