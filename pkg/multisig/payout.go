package multisig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Errors of a payout's own checks (the wallet's refusals are walletrpc's
// sentinels, wrapped in a PayoutError).
var (
	// ErrInvalidPayout: the request can't be paid as given (phase, winner,
	// address, wallets).
	ErrInvalidPayout = errors.New("invalid payout")
	// ErrNotFunded: the signers see no unlocked balance to pay out.
	ErrNotFunded = errors.New("escrow has no unlocked balance")
	// ErrBalanceMismatch: the two signers disagree on the balance after
	// exchanging multisig info.
	ErrBalanceMismatch = errors.New("payout signers disagree on the balance")
	// ErrTxSetMismatch: the transaction set the first signer built does not
	// pay the whole balance minus its fee to the payee alone; the second
	// signer refuses to sign it.
	ErrTxSetMismatch = errors.New("transaction set does not pay the payee")
)

// PayoutError is a failed payout step, with where it happened. It wraps the
// cause: errors.Is(err, walletrpc.ErrStaleData) etc. work through it. The
// money is still in the escrow's wallet unless the step was "submit" and
// the cause is a lost answer (the caller then resumes from its journal).
type PayoutError struct {
	EscrowID  string
	Phase     escrow.Phase
	Step      string      // the step of escrow.PayoutSteps, e.g. "sign", or "lease"
	Role      escrow.Role // "" for a step that is not one role's
	Operation string      // the wallet RPC method or check, e.g. "sign_multisig"
	Err       error
}

func (e *PayoutError) Error() string {
	s := fmt.Sprintf("escrow %s: %s: %s", e.EscrowID, e.Phase, e.Step)
	if e.Role != "" {
		s += ": " + string(e.Role)
	}
	if e.Operation != "" && e.Operation != e.Step {
		s += ": " + e.Operation
	}
	return s + ": " + e.Err.Error()
}

func (e *PayoutError) Unwrap() error { return e.Err }

// PayoutConfig configures a Payer.
type PayoutConfig struct {
	// Pool supplies the wallet servers, connected to the daemon: a payout
	// leases three (one per role) for its whole run.
	Pool *walletpool.Pool
	// Secret is the master secret wallet passwords are derived from.
	Secret []byte
	// Chain is the daemon: the submitted transaction's height, and where a
	// resumed payout's transaction is.
	Chain *chain.Client
	// Observer is told about each phase the payer runs (a funding check that
	// finds the escrow funded, a payout) as the setup's coordinator tells it
	// about the setup: the phase, its steps and its snapshot points; nil for
	// none. The same Observer serves both (multisig.Config.Observer).
	Observer Observer
	// Journal persists the write-ahead records; nil keeps none (then a
	// crash mid-payout cannot be resumed from where it was).
	Journal Journal
	// Middleware wraps every wallet call of a payout (tracing); nil for none.
	Middleware walletrpc.Middleware
	// CallTimeout bounds every wallet call; default 2 minutes.
	CallTimeout time.Duration
	// CleanupTimeout bounds closing the wallets after a payout; default 30 s.
	CleanupTimeout time.Duration
	// Naive reproduces the payout bugs of issue 16: each signer imports the
	// other's multisig info right after opening its wallet, without refresh,
	// an export is reused across attempts, and none of the payout's checks
	// run. Never for real escrows. So that its failure is deterministic,
	// a naive payout turns its servers' background refresh off for its
	// lease (and on again after it): otherwise a server may refresh a
	// wallet by itself before the import.
	Naive  bool
	Logger *slog.Logger
}

// Validate checks the configuration once, before anything runs.
func (c PayoutConfig) Validate() error {
	if err := checkSecret(c.Secret); err != nil {
		return err
	}
	if c.Pool == nil {
		return errors.New("payouts need a pool of wallet servers")
	}
	if c.Pool.Size() < escrow.Participants {
		return fmt.Errorf("payouts need at least %d wallet servers, the pool has %d", escrow.Participants, c.Pool.Size())
	}
	if c.Chain == nil {
		return errors.New("payouts need the daemon's client (Chain)")
	}
	return nil
}

// Payer pays escrows out. It is safe for concurrent use: one goroutine per
// payout; the caller makes sure an escrow has one payout at a time (the
// store enforces one payout per escrow).
type Payer struct {
	cfg     PayoutConfig
	obs     Observer
	journal Journal
	logger  *slog.Logger

	// naive mode's exports, reused across attempts: wallet -> export.
	mu      sync.Mutex
	exports map[string]string
}

// NewPayer checks cfg and returns a Payer.
func NewPayer(cfg PayoutConfig) (*Payer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("multisig payer: %w", err)
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 2 * time.Minute
	}
	if cfg.CleanupTimeout <= 0 {
		cfg.CleanupTimeout = 30 * time.Second
	}
	p := &Payer{cfg: cfg, obs: cfg.Observer, journal: cfg.Journal, logger: cfg.Logger, exports: map[string]string{}}
	if p.obs == nil {
		p.obs = nopObserver{}
	}
	if p.journal == nil {
		p.journal = nopJournal{}
	}
	if p.logger == nil {
		p.logger = slog.New(slog.DiscardHandler)
	}
	return p, nil
}

// PayoutRequest is one payout of a funded escrow.
type PayoutRequest struct {
	EscrowID string
	// Phase is escrow.PhaseRelease, PhaseRefund or PhaseResolve.
	Phase escrow.Phase
	// Winner is the dispute's winner (buyer or vendor) for PhaseResolve; "" otherwise.
	Winner escrow.Role
	// PayeeAddress is the payee's own address, fixed when the escrow was
	// created: the whole balance minus the fee goes there.
	PayeeAddress string
	// Wallets are the escrow's wallet files by role, as the setup's Result
	// named them; nil means WalletName(EscrowID, role) for every role.
	Wallets map[escrow.Role]string
}

// Validate checks the request before anything is leased or opened.
func (r PayoutRequest) Validate() error {
	if err := escrow.CheckID(r.EscrowID); err != nil {
		return fmt.Errorf("%w: escrow %w", ErrInvalidPayout, err)
	}
	if !r.Phase.IsPayout() {
		return fmt.Errorf("%w: phase %q is not release, refund or resolve", ErrInvalidPayout, r.Phase)
	}
	if _, ok := r.Phase.Payee(r.Winner); !ok {
		return fmt.Errorf("%w: resolve needs a winner, buyer or vendor (got %q)", ErrInvalidPayout, r.Winner)
	}
	if r.Phase != escrow.PhaseResolve && r.Winner != "" {
		return fmt.Errorf("%w: only resolve has a winner (%s got %q)", ErrInvalidPayout, r.Phase, r.Winner)
	}
	if r.PayeeAddress == "" || strings.ContainsAny(r.PayeeAddress, " \t\n") {
		return fmt.Errorf("%w: no payee address", ErrInvalidPayout)
	}
	for _, role := range escrow.Roles {
		if r.Wallets != nil && r.Wallets[role] == "" {
			return fmt.Errorf("%w: no wallet for %s", ErrInvalidPayout, role)
		}
	}
	return nil
}

// wallets names every role's wallet.
func (r PayoutRequest) wallets() map[escrow.Role]string {
	w := make(map[escrow.Role]string, escrow.Participants)
	for _, role := range escrow.Roles {
		w[role] = r.wallet(role)
	}
	return w
}

func (r PayoutRequest) wallet(role escrow.Role) string {
	if r.Wallets != nil {
		return r.Wallets[role]
	}
	return escrow.WalletName(r.EscrowID, role)
}

// PayoutResult is a payout that reached the daemon.
type PayoutResult struct {
	// TxHash is the payout transaction's hash (the first of TxHashes; a
	// payout of very many inputs may need more than one transaction).
	TxHash   string
	TxHashes []string
	// Amount is what the payee receives, Fee what the network takes;
	// together they are the escrow's whole balance.
	Amount, Fee uint64
	Payee       escrow.Role
	// Height is the daemon's height when the payout was submitted (or, for
	// a resumed payout already mined, the transaction's block).
	Height uint64
	// Resumed: the payout was finished from a journal record.
	Resumed bool
	// SyncErr is a failure of the post-spend sync: the payout is done, but
	// some wallet did not catch up (it will at its next refresh and import).
	SyncErr error
}

// Pay runs a payout: the protocol of escrow.PayoutSteps on three leased
// servers. Nothing is signed unless both signers see the same unlocked
// balance with no import needed, and the second signer signs only a set
// that pays that balance minus its fee to the payee. Before the second
// signature and before and after submitting, the Journal records what
// exists. On error nothing was sent unless the error is in step "submit"
// (then the journal's signed record tells Resume what to check).
func (p *Payer) Pay(ctx context.Context, req PayoutRequest) (res PayoutResult, err error) {
	if err := req.Validate(); err != nil {
		return PayoutResult{}, err
	}
	ctx, end := p.startPhase(ctx, req.EscrowID, req.Phase, req.wallets())
	defer func() { end(err) }()
	run, release, err := p.lease(ctx, req)
	if err != nil {
		return PayoutResult{}, err
	}
	defer release()
	return p.run(ctx, run)
}

// mode is what the Observer is told the payer's phases run in.
func (p *Payer) mode() Mode {
	if p.cfg.Naive {
		return ModeNaive
	}
	return ModeLeased
}

// startPhase tells the Observer a phase of the escrow starts; end tells it
// the phase ended with err.
func (p *Payer) startPhase(ctx context.Context, escrowID string, phase escrow.Phase, wallets map[escrow.Role]string) (context.Context, func(error)) {
	ctx = p.obs.StartEscrow(ctx, Escrow{ID: escrowID, Phase: phase}, p.mode())
	return ctx, func(err error) { p.obs.EndEscrow(ctx, Result{Wallets: wallets}, err) }
}

// lease takes three servers and prepares a session per role on them.
func (p *Payer) lease(ctx context.Context, req PayoutRequest) (*payoutRun, func(), error) {
	lease, err := p.cfg.Pool.Acquire(ctx, escrow.Participants)
	if err != nil {
		return nil, nil, &PayoutError{EscrowID: req.EscrowID, Phase: req.Phase, Step: "lease", Operation: "lease", Err: err}
	}
	// The naive mode reproduces a missing refresh: the servers' own
	// background refresh (at their first idle second after open_wallet)
	// would make its failure a matter of luck. It is turned off for the
	// lease and on again after it, on the servers directly: a setting of
	// the lease's servers, not a call of the escrow's protocol (not traced).
	if p.cfg.Naive {
		if err := p.setAutoRefresh(ctx, lease.Servers(), false); err != nil {
			p.setAutoRefresh(ctx, lease.Servers(), true) //nolint:errcheck // best effort before giving the servers back
			lease.Release()
			return nil, nil, &PayoutError{EscrowID: req.EscrowID, Phase: req.Phase, Step: "lease", Operation: "auto_refresh", Err: err}
		}
	}
	payee, _ := req.Phase.Payee(req.Winner)
	signers, _ := req.Phase.Signers(req.Winner)
	run := &payoutRun{req: req, payee: payee, byRole: map[escrow.Role]*walletSession{}}
	for i, srv := range lease.Servers() {
		role := escrow.Roles[i]
		s := newWalletSession(req.EscrowID, role, req.wallet(role), p.cfg.Secret, srv, p.cfg.Middleware, p.cfg.CallTimeout)
		run.all = append(run.all, s)
		run.byRole[role] = s
	}
	run.signers = [escrow.Threshold]*walletSession{run.byRole[signers[0]], run.byRole[signers[1]]}
	return run, func() {
		defer lease.Release()
		p.closeAll(ctx, run.all)
		if p.cfg.Naive {
			if err := p.setAutoRefresh(ctx, lease.Servers(), true); err != nil {
				p.logger.Warn("naive payout: a server's background refresh not turned back on", "escrow_id", req.EscrowID, "err", err)
			}
		}
	}, nil
}

// setAutoRefresh turns the background refresh of servers on or off.
func (p *Payer) setAutoRefresh(ctx context.Context, servers []*walletpool.Server, on bool) error {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.CleanupTimeout)
	defer cancel()
	var errs []error
	for _, srv := range servers {
		c := srv.Client()
		var err error
		if on {
			err = c.EnableAutoRefresh(ctx)
		} else {
			err = c.DisableAutoRefresh(ctx)
		}
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", srv.ID(), err))
		}
	}
	return errors.Join(errs...)
}

func (p *Payer) closeAll(ctx context.Context, ss []*walletSession) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), p.cfg.CleanupTimeout)
	defer cancel()
	_ = eachWallet(ctx, ss, func(ctx context.Context, s *walletSession) error {
		if err := s.close(ctx); err != nil {
			p.logger.Debug("close wallet after payout", "escrow_id", s.escrowID, "role", s.role, "err", err)
		}
		return nil
	})
}

// record writes ahead; a journal that cannot keep the record stops the payout.
func (p *Payer) record(ctx context.Context, r *payoutRun, step string, rec PayoutRecord) error {
	if err := p.journal.Record(ctx, r.req.EscrowID, rec); err != nil {
		return r.fail(step, "", "journal", fmt.Errorf("record %s: %w", rec.Stage, err))
	}
	return nil
}
