package main

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// syncBuffer is a log sink safe for the faucet's goroutine.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// TestDevFaucetPaysAndReopens: on a real monerod --regtest and a real wallet
// server, the faucet is refused until primed, then pays and mines; after its
// wallet server is SIGKILLed and restarted by the supervisor (a new process,
// its wallet closed), the next payment opens the wallet again and goes out.
func TestDevFaucetPaysAndReopens(t *testing.T) {
	needChain(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 8*time.Minute)
	defer cancel()
	var logs syncBuffer
	logger := slog.New(slog.NewTextHandler(&logs, nil))
	d, err := chain.Start(ctx, chain.Config{DataDir: filepath.Join(dir, "chain"), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.Stop(context.Background()) }) //nolint:errcheck // Stop kills what does not stop
	sup, err := walletpool.StartSupervisor(ctx, walletpool.SupervisorConfig{
		Count: 1, WalletDir: filepath.Join(dir, "wallets"), LogDir: filepath.Join(dir, "logs"), Daemon: d.Address(), Logger: logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sup.Stop(context.Background()); err != nil && !errors.Is(err, walletpool.ErrKilled) {
			t.Errorf("stop wallet server: %v", err)
		}
	})
	server := sup.Servers()[0]
	f := startFaucet(server, d.Client(), bytes.Repeat([]byte("s"), 32), logger)
	t.Cleanup(func() { f.stop(context.Background()) }) //nolint:errcheck // never fails
	const payee = "49qJQNYyKjGM1kXyRpWCFAMwAmYdkn4oJ6oYMPvd3rSS8t6ZugMhdG3b1gCPRbG6US3AF6ySvwryo6HXi2Gi3jaTTiuz9x5"
	if _, err := f.Pay(ctx, payee, 1); !errors.Is(err, errFaucetPriming) && f.cur.Load() == nil {
		t.Errorf("Pay while priming: %v, want %v", err, errFaucetPriming)
	}
	waitFor(t, 5*time.Minute, "faucet primed", func() bool { return f.cur.Load() != nil || f.failed.Load() != nil })
	if e := f.failed.Load(); e != nil {
		t.Fatal(*e)
	}
	if _, err := f.Pay(ctx, payee, 1_000_000_000); err != nil {
		t.Fatalf("Pay: %v", err)
	}
	h, err := f.Mine(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}

	pid := server.PID()
	old := server.Client()
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	waitFor(t, 3*time.Minute, "wallet server restarted", func() bool {
		return server.PID() != pid && server.PID() != 0 && server.Healthy() && server.Client() != old
	})
	// The new process reconnects to the daemon on its own, a little later.
	var hash string
	waitFor(t, 2*time.Minute, "a payment after the restart", func() bool {
		hash, err = f.Pay(ctx, payee, 2_000_000_000)
		return err == nil
	})
	st, err := d.Client().Transaction(ctx, hash)
	if err != nil || st.State != chain.TxInPool {
		t.Errorf("payment after the restart: %+v, %v; want in the pool", st, err)
	}
	if !strings.Contains(logs.String(), "regtest faucet wallet reopened") {
		t.Error("the reopening is not logged")
	}
	if h2, err := f.Mine(ctx, 1); err != nil || h2 != h+1 {
		t.Errorf("Mine after the restart = %d, %v; want %d", h2, err, h+1)
	}
}
