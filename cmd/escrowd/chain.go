package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/moneroaddr"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Bounds of the chain's start and stop.
const (
	// daemonCheckTimeout bounds the start-up get_info of a user's daemon.
	daemonCheckTimeout = 30 * time.Second
	// daemonStopBudget bounds the embedded monerod's stop on its own: it
	// comes last, after the shared stop budget may be spent, and gets
	// SIGTERM then SIGKILL within it.
	daemonStopBudget = chain.DefaultStopTimeout + 5*time.Second
	// faucetOutputs is how many coinbase outputs the faucet is primed with.
	faucetOutputs = 20
	// faucetWallet names the faucet's wallet file in the wallet directory.
	faucetWallet = "escrowd_faucet"
)

// chainRun is escrowd's chain for this run: nothing (--offline), a user's
// daemon (--daemon-address) or an embedded monerod --regtest.
type chainRun struct {
	daemon *chain.Daemon // the embedded daemon; nil otherwise
	client *chain.Client // nil when offline
	info   chain.Info    // get_info at start
}

// startChain starts the embedded daemon or checks the user's one against
// --network. The embedded daemon's stop is pushed now, so that it runs
// after the wallet servers (started next) have stopped.
func startChain(ctx context.Context, cfg config, logger *slog.Logger, push func(string, func(context.Context) error)) (*chainRun, error) {
	switch {
	case cfg.Offline:
		logger.Warn("running without a daemon (--offline): escrows can be set up, never funded or paid out")
		return &chainRun{}, nil
	case cfg.DaemonAddress != "":
		c, err := chain.NewClient(cfg.DaemonAddress)
		if err != nil {
			return nil, fmt.Errorf("--daemon-address=%s: %w", cfg.DaemonAddress, err)
		}
		cctx, cancel := context.WithTimeout(ctx, daemonCheckTimeout)
		defer cancel()
		info, err := c.GetInfo(cctx)
		if err != nil {
			return nil, fmt.Errorf("the daemon at --daemon-address=%s does not answer get_info: %w (start it, or fix the address)", cfg.DaemonAddress, err)
		}
		if err := checkNettype(cfg, info); err != nil {
			return nil, err
		}
		logger.Info("using the daemon at --daemon-address", "address", cfg.DaemonAddress, "network", cfg.Network, "height", info.Height)
		return &chainRun{client: c, info: info}, nil
	}
	start := time.Now()
	d, err := chain.Start(ctx, chain.Config{Binary: cfg.MonerodBinary, DataDir: cfg.chainDir(), Logger: logger})
	if err != nil {
		return nil, fmt.Errorf("start the embedded monerod --regtest (--monerod-binary; or --offline for setups only): %w", err)
	}
	push("stop monerod", func(context.Context) error {
		// A budget of its own: the shared one may be spent by now.
		sctx, cancel := context.WithTimeout(context.Background(), daemonStopBudget)
		defer cancel()
		err := d.Stop(sctx)
		logger.Info("embedded monerod stopped", "err", err)
		return err
	})
	info, err := d.Client().GetInfo(ctx)
	if err != nil {
		return nil, fmt.Errorf("embedded monerod: %w", err)
	}
	logger.Info("embedded monerod started", "address", d.Address(), "pid", d.PID(), "height", info.Height,
		"data_dir", cfg.chainDir(), "duration", time.Since(start).Round(time.Millisecond))
	return &chainRun{daemon: d, client: d.Client(), info: info}, nil
}

// checkNettype refuses a daemon of another network than --network, saying
// what to change.
func checkNettype(cfg config, info chain.Info) error {
	if info.Nettype == nettype[cfg.Network] {
		return nil
	}
	runs := info.Nettype
	for n, t := range nettype {
		if t == info.Nettype {
			runs = n
		}
	}
	return fmt.Errorf("the daemon at --daemon-address=%s runs %s (get_info nettype %q), but escrowd is set to %s: set --network %s, or point --daemon-address at a %s daemon",
		cfg.DaemonAddress, runs, info.Nettype, cfg.where("network", "--network="+cfg.Network), runs, cfg.Network)
}

// daemonAddress is what the wallet servers take as --daemon-address; ""
// runs them --offline.
func (r *chainRun) daemonAddress() string {
	if r.client == nil {
		return ""
	}
	return r.client.Address()
}

// ready reports whether the chain is usable: the embedded daemon's process
// answers (false while it is being restarted); a user's daemon is checked at
// start only.
func (r *chainRun) ready() bool {
	return r.daemon == nil || r.daemon.Ready()
}

// errFaucetPriming: the caller's context ended while the faucet was still
// mining its first coins.
var errFaucetPriming = errors.New("the regtest faucet was still mining its first coins (a few minutes after escrowd's first start on a loaded machine): try again in a minute")

// devFaucet is the regtest dev faucet on a wallet server of its own. It is
// primed in the background (so that /readyz is not held up) and usable
// once primed; until then Pay and Mine wait for it within their context,
// and if priming failed they say so. A restarted wallet server has its
// wallet closed: the faucet reopens it.
type devFaucet struct {
	server   *walletpool.Server
	client   *chain.Client
	password string
	logger   *slog.Logger

	cur     atomic.Pointer[openFaucet]
	failed  atomic.Pointer[error]
	reopen  sync.Mutex
	cancel  context.CancelFunc
	priming sync.WaitGroup
	primed  chan struct{} // closed when priming ended, primed or failed
	started time.Time
}

// openFaucet is the faucet's wallet opened on one run of its server.
type openFaucet struct {
	*chain.Faucet
	wallet *walletrpc.Client // the server's client it was opened through
}

// startFaucet opens (or creates) the faucet's wallet and primes it in the
// background; stop ends the priming.
func startFaucet(server *walletpool.Server, client *chain.Client, secret []byte, logger *slog.Logger) *devFaucet {
	f := &devFaucet{server: server, client: client, password: multisig.WalletPassword(secret, faucetWallet), logger: logger,
		primed: make(chan struct{}), started: time.Now()}
	ctx, cancel := context.WithCancel(context.Background())
	f.cancel = cancel
	f.priming.Add(1)
	go func() {
		defer f.priming.Done()
		defer close(f.primed)
		start := f.started
		if err := f.prime(ctx); err != nil {
			if ctx.Err() == nil {
				logger.Error("regtest faucet not available", "err", err)
			}
			err = fmt.Errorf("the regtest faucet could not be primed: %w", err)
			f.failed.Store(&err)
			return
		}
		logger.Info("regtest faucet ready", "duration", time.Since(start).Round(time.Millisecond))
	}()
	return f
}

func (f *devFaucet) prime(ctx context.Context) error {
	fc, err := f.open(ctx)
	if err != nil {
		return err
	}
	f.logger.Info("regtest faucet wallet open; priming", "address_hash", escrow.HashAddress(fc.Address()))
	// A chain kept from an earlier run may have primed it already.
	if b, err := fc.Balance(ctx); err == nil && b.UnlockedBalance > 0 {
		f.cur.Store(fc)
		return nil
	}
	if err := fc.Prime(ctx, faucetOutputs); err != nil {
		return err
	}
	f.cur.Store(fc)
	return nil
}

func (f *devFaucet) open(ctx context.Context) (*openFaucet, error) {
	w := f.server.Client()
	if w == nil {
		return nil, errors.New("the regtest faucet's wallet server is not running")
	}
	fc, err := chain.NewFaucet(ctx, chain.FaucetConfig{
		Daemon: f.client, Wallet: w, WalletName: faucetWallet, Password: f.password,
	})
	if err != nil {
		return nil, err
	}
	return &openFaucet{Faucet: fc, wallet: w}, nil
}

// stop ends a priming still running.
func (f *devFaucet) stop(context.Context) error {
	f.cancel()
	f.priming.Wait()
	return nil
}

// faucet is the primed faucet, waiting within ctx for a priming still
// running; or why there is none: priming failed, or ctx ended first. A
// wallet server restarted since the wallet was opened (a new process, its
// wallet closed) gets the wallet opened again.
func (f *devFaucet) faucet(ctx context.Context) (*openFaucet, error) {
	select {
	case <-f.primed:
	case <-ctx.Done():
		if f.cur.Load() == nil && f.failed.Load() == nil {
			return nil, fmt.Errorf("%w (priming for %v so far): %w", errFaucetPriming,
				time.Since(f.started).Round(time.Second), context.Cause(ctx))
		}
	}
	if fc := f.cur.Load(); fc != nil {
		if fc.wallet != f.server.Client() {
			return f.reopened(ctx, fc)
		}
		return fc, nil
	}
	if err := f.failed.Load(); err != nil {
		return nil, *err
	}
	return nil, errors.New("the regtest faucet's priming ended without a faucet") // never: it stores one or the other
}

// Pay sends amount to address from the faucet (escrows' Faucet).
func (f *devFaucet) Pay(ctx context.Context, address string, amount uint64) (string, error) {
	fc, err := f.faucet(ctx)
	if err != nil {
		return "", err
	}
	hash, err := fc.Pay(ctx, address, amount)
	if errors.Is(err, walletrpc.ErrNoWalletOpen) {
		// Its wallet was closed under it: open it again, once.
		if fc, err = f.reopened(ctx, fc); err != nil {
			return "", err
		}
		hash, err = fc.Pay(ctx, address, amount)
	}
	return hash, err
}

// Mine mines n blocks to the faucet (escrows' Faucet).
func (f *devFaucet) Mine(ctx context.Context, n int) (uint64, error) {
	fc, err := f.faucet(ctx)
	if err != nil {
		return 0, err
	}
	return fc.Mine(ctx, n)
}

// reopened opens the faucet's wallet again unless another caller already did.
func (f *devFaucet) reopened(ctx context.Context, old *openFaucet) (*openFaucet, error) {
	f.reopen.Lock()
	defer f.reopen.Unlock()
	if fc := f.cur.Load(); fc != old {
		return fc, nil
	}
	fc, err := f.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("reopen the regtest faucet's wallet: %w", err)
	}
	f.logger.Info("regtest faucet wallet reopened: its wallet server was restarted")
	f.cur.Store(fc)
	return fc, nil
}

// money is what the escrows service takes for funding and payouts
// (escrows.Config's Payer, Faucet, Chain, ValidateAddress, FundingPoll,
// OnRecord). A nil pointer means "none": assign it to an interface field
// only when it is not nil.
type money struct {
	Payer           *multisig.Payer // nil offline or outside leased mode
	Journal         *journalSlot    // the Payer's journal: the escrows service, set once it exists
	Faucet          *devFaucet      // nil off regtest
	Chain           *chain.Client   // nil offline
	ValidateAddress func(addr string) error
	FundingPoll     time.Duration
	OnRecord        func(escrowID string, stage multisig.PayoutStage)
	// NoPayer is why there are no payouts when Payer is nil (escrows'
	// refusal of fund and payouts); nil offline (escrows.ErrOffline says so).
	NoPayer error
}

// errNeedsLeased refuses fund and payouts of a run in shared or
// global-lock mode: a payout leases three wallet servers.
type errNeedsLeased struct{ mode multisig.Mode }

func (e errNeedsLeased) Error() string {
	return fmt.Sprintf("escrowd runs in %s mode: escrows can be set up, not funded or paid out; payouts lease three wallet servers, so they need --mode=leased", e.mode)
}

// Is makes it an escrows.ErrOffline refusal (the same answer, 409).
func (errNeedsLeased) Is(target error) bool { return target == escrows.ErrOffline }

// moneyConfig builds the payer, the address rules and the hooks. pool is
// the leased pool (nil in shared and global-lock modes: payouts lease three
// servers, so they need leased mode). daemonHook (nil: none) wraps
// escrowd's own daemon calls, the payer's and the confirmations': a span
// each, in the payout's phase or under the request that asked.
func moneyConfig(cfg config, run *chainRun, faucet *devFaucet, pool *walletpool.Pool, secret []byte,
	observer multisig.Observer, mw walletrpc.Middleware, daemonHook chain.Hook, logger *slog.Logger) (money, error) {
	network := cfg.addressNetwork()
	m := money{
		Journal:         &journalSlot{},
		Chain:           run.client.WithHook(daemonHook),
		ValidateAddress: func(addr string) error { return validateAddress(addr, network, cfg.Network) },
		FundingPoll:     cfg.FundingPoll,
		OnRecord:        faultHook(cfg.FaultKillAfter, logger),
	}
	if faucet != nil {
		m.Faucet = faucet
	}
	switch {
	case run.client == nil:
		return m, nil
	case pool == nil:
		logger.Warn("payouts need leased mode (three wallet servers per payout): this run sets escrows up only", "mode", cfg.Mode)
		m.NoPayer = errNeedsLeased{cfg.Mode}
		return m, nil
	}
	payer, err := multisig.NewPayer(multisig.PayoutConfig{
		Pool: pool, Secret: secret, Chain: run.client.WithHook(daemonHook),
		Observer: observer, Journal: m.Journal, Middleware: mw,
		Naive: cfg.PayoutMode == payoutNaive, Logger: logger,
	})
	if err != nil {
		return m, err
	}
	if cfg.PayoutMode == payoutNaive {
		logger.Warn("payout mode naive: payouts are DELIBERATELY BROKEN (import without refresh, reused exports, no checks) to reproduce the stale-data bug; never for real escrows")
	}
	m.Payer = payer
	return m, nil
}

// validateAddress applies the network's address rules; on regtest it says
// that mainnet addresses are the ones wanted.
func validateAddress(addr string, n moneroaddr.Network, network string) error {
	err := moneroaddr.Validate(addr, n)
	if err != nil && network == netRegtest && errors.Is(err, moneroaddr.ErrWrongNetwork) {
		return fmt.Errorf("%w (escrowd runs regtest, whose wallets have mainnet addresses)", err)
	}
	return err
}

// journalSlot is the Payer's journal, a forward to the escrows service
// (which keeps the records in its store): the Payer is built before the
// service exists. Until Set, Record refuses, so nothing is signed without
// its write-ahead record.
type journalSlot struct {
	target atomic.Pointer[multisig.Journal]
}

// Set makes j forward to target.
func (j *journalSlot) Set(target multisig.Journal) { j.target.Store(&target) }

// Record forwards to the target.
func (j *journalSlot) Record(ctx context.Context, escrowID string, rec multisig.PayoutRecord) error {
	t := j.target.Load()
	if t == nil {
		return errors.New("escrowd: no payout journal connected: refusing to go on without a write-ahead record")
	}
	return (*t).Record(ctx, escrowID, rec)
}
