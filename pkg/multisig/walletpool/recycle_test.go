package walletpool

import (
	"context"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/osprobe"
)

// TestRecycleHungServer: a server that stopped answering (SIGSTOP) is
// recycled: unhealthy at once, its process killed and restarted, and the new
// process answers. A stale report (an old PID) or a second report kills
// nothing.
func TestRecycleHungServer(t *testing.T) {
	requireBinary(t)
	sup, err := StartSupervisor(t.Context(), SupervisorConfig{
		Count: 1, WalletDir: filepath.Join(t.TempDir(), "wallets"), Logger: testLogger(t),
	})
	if err != nil {
		t.Fatalf("StartSupervisor: %v", err)
	}
	t.Cleanup(func() { _ = sup.Stop(context.Background()) })
	s := sup.Servers()[0]
	healthy := make(chan bool, 8)
	defer s.watch(func() { healthy <- s.Healthy() })()

	hung := s.PID()
	if err := syscall.Kill(hung, syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = syscall.Kill(hung, syscall.SIGCONT) })
	waitStopped(t, hung)
	ctx, cancel := context.WithTimeout(t.Context(), time.Second)
	_, err = s.Client().GetVersion(ctx)
	cancel()
	if err == nil {
		t.Fatal("a stopped server answered")
	}

	if s.Recycle(hung+1_000_000, "stale") {
		t.Fatal("Recycle killed for a PID that is not the server's")
	}
	if !s.Recycle(hung, "test: get_version timed out") {
		t.Fatal("Recycle did not kill the hung process")
	}
	if s.Healthy() {
		t.Fatal("a recycled server is still healthy")
	}
	deadline := time.After(time.Minute)
	for !s.Healthy() {
		select {
		case <-healthy:
		case <-deadline:
			t.Fatal("the recycled server did not come back")
		}
	}
	if s.PID() == hung || s.PID() == 0 {
		t.Fatalf("PID after restart %d, hung one was %d", s.PID(), hung)
	}
	if err := syscall.Kill(hung, 0); err == nil {
		t.Errorf("the hung process %d still exists", hung)
	}
	if _, err := s.Client().GetVersion(t.Context()); err != nil {
		t.Fatalf("restarted server: %v", err)
	}
	if sup.Restarts() != 1 {
		t.Errorf("restarts = %d, want 1", sup.Restarts())
	}
	// A late report about the old process must not kill the new one.
	if s.Recycle(hung, "late") {
		t.Error("Recycle of the old PID killed the new process")
	}
	if !s.Healthy() {
		t.Error("server unhealthy after a late report")
	}
}

// waitStopped waits until the kernel shows pid stopped (state T): SIGSTOP
// takes effect when the process is next scheduled, not when kill returns.
func waitStopped(t *testing.T, pid int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := osprobe.ReadStat(pid)
		if err != nil {
			t.Fatal(err)
		}
		if st.State == 'T' {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("process %d not stopped: state %c", pid, st.State)
		}
		time.Sleep(10 * time.Millisecond) // polling the kernel's view, not a fix
	}
}

func TestRecycleExternalServer(t *testing.T) {
	if (&Server{id: "ext"}).Recycle(123, "x") {
		t.Fatal("an external server was recycled")
	}
}
