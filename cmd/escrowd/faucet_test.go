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
// server, a payment asked while the faucet is priming waits for it within
// its context (refused with what is going on when that ends first), then
// pays and mines; after its
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
	// While priming, a caller whose context ends first is told so; one
	// with time to wait waits and is paid (priming takes minutes: the
	// first call comes long before its end).
	short, cancelShort := context.WithTimeout(ctx, 50*time.Millisecond)
	_, err = f.Pay(short, payee, 1)
	cancelShort()
	if f.cur.Load() == nil && (!errors.Is(err, errFaucetPriming) || !errors.Is(err, context.DeadlineExceeded)) {
		t.Errorf("Pay whose context ends while priming: %v, want %v and the context's end", err, errFaucetPriming)
	}
	t.Logf("Pay with 50ms while priming: %v", err)
	primedBefore := f.cur.Load() != nil
	if _, err := f.Pay(ctx, payee, 1_000_000_000); err != nil {
		t.Fatalf("Pay right after start (primed before: %v): %v", primedBefore, err)
	}
	if f.cur.Load() == nil {
		t.Fatal("paid without a primed faucet")
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

// TestDevFaucetWaitsForPriming: while the faucet primes, Pay and Mine wait
// within their context: one that ends first is told the faucet is still
// priming (and why it stopped waiting); a waiter is told when priming
// fails, with the failure.
func TestDevFaucetWaitsForPriming(t *testing.T) {
	f := &devFaucet{primed: make(chan struct{}), started: time.Now()}
	short, cancel := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancel()
	if _, err := f.Pay(short, "addr", 1); !errors.Is(err, errFaucetPriming) || !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Pay whose context ended while priming: %v", err)
	}
	gone, stop := context.WithCancel(context.Background())
	stop()
	if _, err := f.Mine(gone, 1); !errors.Is(err, errFaucetPriming) || !errors.Is(err, context.Canceled) {
		t.Errorf("Mine with a cancelled context while priming: %v", err)
	}

	done := make(chan error, 1)
	go func() {
		_, err := f.Mine(context.Background(), 1)
		done <- err
	}()
	select {
	case err := <-done:
		t.Fatalf("Mine returned while priming: %v", err)
	case <-time.After(50 * time.Millisecond): // it must still be waiting
	}
	failed := errors.New("the regtest faucet could not be primed: boom")
	f.failed.Store(&failed)
	close(f.primed)
	if err := <-done; !errors.Is(err, failed) {
		t.Errorf("a waiter after priming failed: %v, want %v", err, failed)
	}
}
