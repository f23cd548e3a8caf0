package walletpool

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/escrowd/escrowd/internal/fakewalletrpc"
	"github.com/escrowd/escrowd/internal/osprobe"
)

// fakeModeVar, when set in a process started from this test binary, makes
// it a fake wallet server (internal/fakewalletrpc) instead of running tests.
const fakeModeVar = "WALLETPOOL_FAKE_SERVER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(fakeModeVar); mode != "" {
		os.Exit(fakewalletrpc.Main(os.Args[1:], fakewalletrpc.Options{IgnoreTERM: mode == "ignore-term", RefuseAutoRefresh: mode == "refuse-auto-refresh"}, os.Stderr))
	}
	os.Exit(m.Run())
}

// fakeBinary writes a script to give a Supervisor as its Binary: it execs
// this test binary as a fake wallet server in mode ("serve", "ignore-term"
// or "refuse-auto-refresh"). exec keeps the PID the supervisor started, and
// env keeps the environment the supervisor gave.
func fakeBinary(t *testing.T, mode string) string {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "fake-wallet-rpc")
	script := fmt.Sprintf("#!/bin/sh\nexec /usr/bin/env %s=%s %q \"$@\"\n", fakeModeVar, mode, self)
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// osprobeArgs reads a process's argv.
func osprobeArgs(pid int) ([]string, error) { return osprobe.Args(pid) }
