package wallettest

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// Available reports whether monero-wallet-rpc is on PATH.
func Available() bool {
	_, err := exec.LookPath(walletpool.DefaultBinary)
	return err == nil
}

// Skip ends the test when the wallet server is missing, but only in -short
// mode: `make test` installs it, so a full run without it is a failure.
func Skip(tb testing.TB) {
	tb.Helper()
	if Available() {
		return
	}
	if testing.Short() {
		tb.Skip("monero-wallet-rpc not installed (-short); `make test` installs it")
	}
	tb.Fatal("monero-wallet-rpc not on PATH: run `make test` (it installs Debian's monero package)")
}

// Start starts n supervised servers with their wallet directory under a
// temporary directory, and stops them when the test ends.
func Start(tb testing.TB, n int) *walletpool.Supervisor {
	tb.Helper()
	Skip(tb)
	dir := tb.TempDir()
	sup, err := StartIn(context.Background(), dir, n)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		// A server that hangs in its own shutdown is killed by design
		// (monero-wallet-rpc 0.18, see FACTS.md): said, not a failure.
		if err := sup.Stop(ctx); errors.Is(err, walletpool.ErrKilled) {
			tb.Logf("stop wallet servers: %v", err)
		} else if err != nil {
			tb.Errorf("stop wallet servers: %v", err)
		}
	})
	return sup
}

// StartIn starts n supervised servers with wallets in dir/wallets, for
// TestMain functions that share servers between tests. The caller stops them.
func StartIn(ctx context.Context, dir string, n int) (*walletpool.Supervisor, error) {
	if !Available() {
		return nil, errors.New("monero-wallet-rpc not on PATH: run `make test` (it installs Debian's monero package)")
	}
	level := slog.LevelWarn
	if os.Getenv("ESCROWD_TEST_VERBOSE") != "" {
		level = slog.LevelDebug
	}
	return walletpool.StartSupervisor(ctx, walletpool.SupervisorConfig{
		Count:     n,
		WalletDir: filepath.Join(dir, "wallets"),
		LogDir:    filepath.Join(dir, "logs"),
		Logger:    slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level})),
	})
}
