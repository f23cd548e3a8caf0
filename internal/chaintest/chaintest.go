package chaintest

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// Available reports whether monerod and monero-wallet-rpc are on PATH.
func Available() bool {
	_, err1 := exec.LookPath(chain.DefaultBinary)
	_, err2 := exec.LookPath(walletpool.DefaultBinary)
	return err1 == nil && err2 == nil
}

// Skip ends the test when monero is missing, but only in -short mode:
// `make test` installs it, so a full run without it is a failure.
func Skip(tb testing.TB) {
	tb.Helper()
	if Available() {
		return
	}
	if testing.Short() {
		tb.Skip("monerod / monero-wallet-rpc not installed (-short); `make test` installs them")
	}
	tb.Fatal("monerod / monero-wallet-rpc not on PATH: run `make test` (it installs Debian's monero package)")
}

// Env is a running regtest chain with wallet servers.
type Env struct {
	Daemon *chain.Daemon
	// Servers are the wallet servers for the test's escrows, connected to
	// the daemon; the faucet's and the spare server are not among them.
	Servers []*walletpool.Server
	// Spare is a server connected to the daemon for the test's own plain
	// wallets (payees checking what they received).
	Spare  *walletpool.Server
	Faucet *chain.Faucet
	sup    *walletpool.Supervisor
}

// FaucetOutputs is how many coinbase outputs Start primes the faucet with:
// enough for a package's payments between rounds of mining.
const FaucetOutputs = 20

// Start starts monerod in dir/chain, n wallet servers plus the faucet's and
// a spare one (wallets in dir/wallets), and primes the faucet. The caller
// stops it with Stop.
func Start(ctx context.Context, dir string, n int) (*Env, error) {
	return StartWith(ctx, dir, Options{Servers: n})
}

// Options are Start's choices.
type Options struct {
	// Servers is the number of wallet servers for the test's escrows.
	Servers int
	// BackgroundRefreshOff starts every wallet server with its background
	// refresh off (walletpool.SupervisorConfig.BackgroundRefreshOff): tests
	// whose payouts must run on exactly the state their own calls made.
	BackgroundRefreshOff bool
}

// StartWith is Start with Options.
func StartWith(ctx context.Context, dir string, o Options) (*Env, error) {
	n := o.Servers
	if !Available() {
		return nil, errors.New("monerod / monero-wallet-rpc not on PATH: run `make test` (it installs Debian's monero package)")
	}
	level := slog.LevelWarn
	if os.Getenv("ESCROWD_TEST_VERBOSE") != "" {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))
	d, err := chain.Start(ctx, chain.Config{DataDir: filepath.Join(dir, "chain"), Logger: logger})
	if err != nil {
		return nil, err
	}
	e := &Env{Daemon: d}
	e.sup, err = walletpool.StartSupervisor(ctx, walletpool.SupervisorConfig{
		Count:     n + 2,
		WalletDir: filepath.Join(dir, "wallets"),
		LogDir:    filepath.Join(dir, "logs"),
		Daemon:    d.Address(),
		Logger:    logger,

		BackgroundRefreshOff: o.BackgroundRefreshOff,
	})
	if err != nil {
		e.Stop(context.Background())
		return nil, err
	}
	all := e.sup.Servers()
	e.Servers, e.Spare = all[:n], all[n+1]
	e.Faucet, err = chain.NewFaucet(ctx, chain.FaucetConfig{
		Daemon: d.Client(), Wallet: all[n].Client(), WalletName: "faucet", Password: "faucet",
	})
	if err == nil {
		err = e.Faucet.Prime(ctx, FaucetOutputs)
	}
	if err != nil {
		e.Stop(context.Background())
		return nil, fmt.Errorf("faucet: %w", err)
	}
	return e, nil
}

// Stop stops the wallet servers, then the daemon, killing what does not
// stop within a bounded wait.
func (e *Env) Stop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	var errs []error
	// A wallet server that hangs in its own shutdown is killed by design
	// (monero-wallet-rpc 0.18, see FACTS.md): not an error of the test.
	if e.sup != nil {
		if err := e.sup.Stop(ctx); !errors.Is(err, walletpool.ErrKilled) {
			errs = append(errs, err)
		}
	}
	if e.Daemon != nil {
		errs = append(errs, e.Daemon.Stop(ctx))
	}
	return errors.Join(errs...)
}

// Supervisor is the wallet servers' supervisor (restarts, PIDs).
func (e *Env) Supervisor() *walletpool.Supervisor { return e.sup }
