package main

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"syscall"
	"testing"

	"github.com/escrowd/escrowd/internal/osprobe"
)

// TestDaemonKilledLeavesNoWalletServer: the real escrowd, its three wallet
// servers replaced by fakes that ignore SIGTERM (as a monero-wallet-rpc 0.18
// hung in its own shutdown does), is SIGKILLed and restarted on the same
// data directory: it comes up, and no wallet server of the killed run is
// left, only the new run's three.
func TestDaemonKilledLeavesNoWalletServer(t *testing.T) {
	dir := t.TempDir()
	fake := filepath.Join(dir, "fakewalletrpc")
	build := exec.Command("go", "build", "-o", fake, "github.com/escrowd/escrowd/internal/fakewalletrpc/cmd/fakewalletrpc")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("build the fake wallet server: %v\n%s", err, out)
	}
	wrapper := filepath.Join(dir, "fake-wallet-rpc")
	if err := os.WriteFile(wrapper, fmt.Appendf(nil, "#!/bin/sh\nexec %q --ignore-term \"$@\"\n", fake), 0o700); err != nil {
		t.Fatal(err)
	}
	walletDir := filepath.Join(dir, "data", "wallets")
	args := []string{"--pool-size", "3", "--reserve", "0", "--wallet-rpc-binary", wrapper, "--shutdown-timeout", "1s"}

	d := startDaemon(t, dir, args...)
	old := serversOf(t, walletDir)
	if len(old) != 3 {
		t.Fatalf("wallet servers of the first run: %v, want 3", old)
	}
	d.stop(syscall.SIGKILL)
	t.Cleanup(func() {
		for _, pid := range old {
			if osprobe.Alive(pid) {
				_ = syscall.Kill(pid, syscall.SIGKILL) // leave no orphan, even on failure
			}
		}
	})

	startDaemon(t, dir, args...)
	for _, pid := range old {
		if osprobe.Alive(pid) {
			st, _ := osprobe.ReadStat(pid)
			t.Errorf("wallet server %d of the killed run still runs (state %c, parent %d)", pid, st.State, st.PPID)
		}
	}
	now := serversOf(t, walletDir)
	if len(now) != 3 || slices.ContainsFunc(now, func(pid int) bool { return slices.Contains(old, pid) }) {
		t.Errorf("wallet servers after the restart %v; the killed run's were %v", now, old)
	}
}

// serversOf lists the live processes serving walletDir, by name or not.
func serversOf(t *testing.T, walletDir string) []int {
	t.Helper()
	pids, err := osprobe.PIDs("--wallet-dir " + walletDir)
	if err != nil {
		t.Fatal(err)
	}
	return slices.DeleteFunc(pids, func(pid int) bool { return !osprobe.Alive(pid) })
}
