package multisig

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Config configures a Coordinator. Check it with Validate (New does).
type Config struct {
	// Mode defaults to ModeLeased.
	Mode Mode
	// Pool serves leased mode: three servers per escrow.
	Pool *walletpool.Pool
	// Server is the one server of shared and global-lock modes.
	Server *walletpool.Server
	// Secret is the master secret wallet passwords are derived from (>= 32 bytes).
	Secret []byte
	// Observer is told about phases and snapshot points; nil observes nothing.
	Observer Observer
	// Middleware wraps every wallet RPC call of a setup (tracing); nil for none.
	Middleware walletrpc.Middleware
	// Barrier forces the race in shared mode (see Barrier); ignored in other modes.
	Barrier *Barrier
	// Reserve, in leased mode, supplies fresh wallets created ahead of demand
	// (see Reserve); nil creates every wallet during the setup.
	Reserve *Reserve
	// CallTimeout bounds every wallet RPC call of a setup (a hung server
	// fails the escrow instead of holding it forever); default 2 minutes.
	CallTimeout time.Duration
	// CleanupTimeout bounds closing the wallets after a setup; default 30 s.
	CleanupTimeout time.Duration
	// MaxQueue bounds how many escrows may wait for the global lock; default 64.
	MaxQueue int
	Logger   *slog.Logger
}

// Validate checks the configuration once, before anything runs.
func (c Config) Validate() error {
	if _, err := ParseMode(string(c.Mode)); err != nil {
		return err
	}
	if err := checkSecret(c.Secret); err != nil {
		return err
	}
	switch c.mode() {
	case ModeLeased:
		if c.Pool == nil {
			return errors.New("leased mode needs a pool of wallet servers")
		}
		if c.Pool.Size() < escrow.Participants {
			return fmt.Errorf("leased mode needs at least %d wallet servers, the pool has %d", escrow.Participants, c.Pool.Size())
		}
	default:
		if c.Server == nil {
			return fmt.Errorf("%s mode needs one wallet server", c.mode())
		}
	}
	return nil
}

func (c Config) mode() Mode {
	if c.Mode == "" {
		return ModeLeased
	}
	return c.Mode
}

// Coordinator runs escrow setups. It is safe for concurrent use: call Run from
// as many goroutines as there are escrows.
type Coordinator struct {
	cfg    Config
	obs    Observer
	lock   *walletpool.Pool // global-lock mode: a pool of one server is a fair, bounded, cancellable lock
	logger *slog.Logger
}

// New checks cfg and returns a Coordinator.
func New(cfg Config) (*Coordinator, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("multisig coordinator: %w", err)
	}
	cfg.Mode = cfg.mode()
	if cfg.CleanupTimeout <= 0 {
		cfg.CleanupTimeout = 30 * time.Second
	}
	if cfg.CallTimeout <= 0 {
		cfg.CallTimeout = 2 * time.Minute
	}
	c := &Coordinator{cfg: cfg, obs: cfg.Observer, logger: cfg.Logger}
	if c.obs == nil {
		c.obs = nopObserver{}
	}
	if c.logger == nil {
		c.logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Mode == ModeGlobalLock {
		maxQ := cfg.MaxQueue
		if maxQ <= 0 {
			maxQ = 64
		}
		p, err := walletpool.NewPool([]*walletpool.Server{cfg.Server}, walletpool.PoolOptions{MaxWaiters: maxQ, SetSize: 1})
		if err != nil {
			return nil, fmt.Errorf("multisig coordinator: %w", err)
		}
		c.lock = p
	}
	return c, nil
}

// Mode is the coordinator's mode.
func (c *Coordinator) Mode() Mode { return c.cfg.Mode }

// Run takes an escrow through the whole 2-of-3 setup and returns the multisig
// address. It blocks until the setup ends; cancel ctx to abandon it. Errors are
// *StepError values naming escrow, role, round and operation; waiting for
// servers fails with walletpool.ErrQueueFull when too many escrows wait.
func (c *Coordinator) Run(ctx context.Context, e Escrow) (res Result, err error) {
	if err := e.Validate(); err != nil {
		return Result{}, err
	}
	ctx = c.obs.StartEscrow(ctx, e, c.cfg.Mode)
	defer func() { c.obs.EndEscrow(ctx, res, err) }()

	sessions, release, err := c.acquire(ctx, e)
	if err != nil {
		return Result{}, err
	}
	defer release()
	return c.setup(ctx, e, sessions)
}

// acquire finds the servers for an escrow's three roles, per mode, and
// returns a release that closes the escrow's wallets and gives them back.
func (c *Coordinator) acquire(ctx context.Context, e Escrow) ([]*session, func(), error) {
	leaseErr := func(err error) error {
		return &StepError{EscrowID: e.ID, Phase: escrow.PhaseSetup, Operation: "lease", Kind: leaseKind(err), Err: err}
	}
	switch c.cfg.Mode {
	case ModeLeased:
		lease, err := c.cfg.Pool.Acquire(ctx, escrow.Participants)
		if err != nil {
			return nil, nil, leaseErr(err)
		}
		sessions := c.sessions(e, lease.Servers(), false)
		for _, s := range sessions {
			if w, ok := c.cfg.Reserve.take(s.server); ok {
				s.adopt(w, WalletPassword(c.cfg.Secret, w.name))
			}
		}
		return sessions, func() {
			defer lease.Release()
			c.closeWallets(ctx, sessions)
		}, nil
	case ModeGlobalLock:
		lease, err := c.lock.Acquire(ctx, 1)
		if err != nil {
			return nil, nil, leaseErr(err)
		}
		srv := lease.Servers()[0]
		sessions := c.sessions(e, []*walletpool.Server{srv, srv, srv}, true)
		return sessions, func() {
			defer lease.Release()
			c.closeWallets(ctx, sessions[:1])
		}, nil
	default: // shared: no lock, no cleanup; wallets switch under other escrows' feet
		srv := c.cfg.Server
		sessions := c.sessions(e, []*walletpool.Server{srv, srv, srv}, true)
		release := func() {}
		if b := c.cfg.Barrier; b != nil {
			release = b.Leave
		}
		return sessions, release, nil
	}
}

func (c *Coordinator) sessions(e Escrow, servers []*walletpool.Server, switching bool) []*session {
	out := make([]*session, escrow.Participants)
	for i, role := range escrow.Roles {
		srv := servers[i]
		raw := srv.Client().With(deadline(c.cfg.CallTimeout, srv))
		client := raw
		if c.cfg.Middleware != nil {
			client = raw.With(c.cfg.Middleware)
		}
		out[i] = &session{
			server:    srv,
			escrowID:  e.ID,
			role:      role,
			wallet:    escrow.WalletName(e.ID, role),
			password:  WalletPassword(c.cfg.Secret, escrow.WalletName(e.ID, role)),
			client:    client,
			raw:       raw,
			walletDir: srv.WalletDir(),
			switching: switching,
		}
	}
	return out
}

// deadline is middleware that bounds each call, so that the error (and its
// span) says which call a hung server never answered. A server that let a
// call run out its own deadline (not the escrow's: a cancelled escrow says
// nothing about the server) is recycled: an embedded one is killed and
// restarted by its supervisor, so that the next lease does not wait on it
// again. In leased and global-lock modes the server is this escrow's alone.
func deadline(d time.Duration, srv *walletpool.Server) walletrpc.Middleware {
	return func(next walletrpc.Invoker) walletrpc.Invoker {
		return func(ctx context.Context, call *walletrpc.Call) error {
			pid := srv.PID()
			cctx, cancel := context.WithTimeout(ctx, d)
			defer cancel()
			err := next(cctx, call)
			if err != nil && ctx.Err() == nil && errors.Is(cctx.Err(), context.DeadlineExceeded) {
				srv.Recycle(pid, fmt.Sprintf("%s did not answer within %s", call.Method, d))
			}
			return err
		}
	}
}

// closeWallets saves and closes the escrow's open wallets so that no state is
// left on a server for the next lease. It runs even when ctx was cancelled.
func (c *Coordinator) closeWallets(ctx context.Context, sessions []*session) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), c.cfg.CleanupTimeout)
	defer cancel()
	forEach(ctx, sessions, true, func(ctx context.Context, s *session) error {
		if err := s.raw.CloseWallet(ctx); err != nil {
			c.logger.Debug("close wallet after setup", "escrow_id", s.escrowID, "role", s.role, "err", err)
		}
		return nil
	})
}
