package walletpool

import (
	"context"
	"errors"
	"path/filepath"
	"syscall"
	"testing"
)

// TestCheckOpen, on a real server: the recorded wallet checks out while it
// is open, and does not once another wallet replaced it, once it was closed,
// or once the process that opened it was replaced.
func TestCheckOpen(t *testing.T) {
	requireBinary(t)
	sup, err := StartSupervisor(t.Context(), SupervisorConfig{
		Count: 1, WalletDir: filepath.Join(t.TempDir(), "wallets"), Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sup.Stop(context.Background()) })
	s := sup.Servers()[0]
	ctx := t.Context()
	if err := s.Client().CreateWallet(ctx, "reserve-a", "pw-a"); err != nil {
		t.Fatal(err)
	}
	a, err := s.Opened(ctx)
	if err != nil || a.PID != s.PID() || a.Address == "" {
		t.Fatalf("Opened = %+v, %v", a, err)
	}
	check := func(what string, want error) {
		t.Helper()
		if err := s.CheckOpen(ctx, a); !errors.Is(err, want) || (want == nil) != (err == nil) {
			t.Errorf("%s: CheckOpen = %v, want %v", what, err, want)
		}
	}
	check("just created", nil)

	// Another escrow's wallet replaces it, as a failed close_wallet allows.
	if err := s.Client().CreateWallet(ctx, "escrow-b", "pw-b"); err != nil {
		t.Fatal(err)
	}
	check("another wallet open", ErrWrongWallet)
	if err := s.Client().OpenWallet(ctx, "reserve-a", "pw-a"); err != nil {
		t.Fatal(err)
	}
	check("reopened", nil)
	if err := s.Client().CloseWallet(ctx); err != nil {
		t.Fatal(err)
	}
	check("closed", ErrWrongWallet)

	// The same wallet in a restarted process is not open any more.
	if err := s.Client().OpenWallet(ctx, "reserve-a", "pw-a"); err != nil {
		t.Fatal(err)
	}
	down := make(chan struct{}, 4)
	defer s.watch(func() {
		if s.Healthy() {
			down <- struct{}{}
		}
	})()
	if err := syscall.Kill(s.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-down // healthy again, with a new process
	check("server restarted", ErrWrongWallet)
	if err := s.CheckOpen(ctx, OpenWallet{}); !errors.Is(err, ErrWrongWallet) {
		t.Errorf("nothing recorded: %v", err)
	}
}
