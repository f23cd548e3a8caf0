package chain_test

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/chaintest"
	"github.com/escrowd/escrowd/pkg/chain"
)

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  chain.Config
		want string
	}{
		{"ok", chain.Config{DataDir: "d"}, ""},
		{"no data dir", chain.Config{}, "DataDir is required"},
		{"bad port", chain.Config{DataDir: "d", RPCPort: 70000}, "RPCPort 70000"},
		{"negative start", chain.Config{DataDir: "d", StartTimeout: -1}, "StartTimeout"},
		{"negative stop", chain.Config{DataDir: "d", StopTimeout: -1}, "StopTimeout"},
	}
	for _, tt := range tests {
		err := tt.cfg.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestStartRefusesMissingBinary(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "d")
	_, err := chain.Start(context.Background(), chain.Config{DataDir: dir, Binary: "no-such-monerod"})
	if err == nil || !strings.Contains(err.Error(), "no-such-monerod") {
		t.Fatalf("Start = %v, want an error naming the binary", err)
	}
	if _, err := os.Stat(dir); !os.IsNotExist(err) {
		t.Errorf("data dir created for a refused start: %v", err)
	}
}

// TestDaemonRestartsAfterSIGKILL kills the shared daemon: it comes back on
// the same port and data dir with its chain.
func TestDaemonRestartsAfterSIGKILL(t *testing.T) {
	chaintest.Skip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	c := env.Daemon.Client()
	before, err := c.GetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	restarts, pid := env.Daemon.Restarts(), env.Daemon.PID()
	if pid == 0 {
		t.Fatal("no daemon process")
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	for env.Daemon.Restarts() == restarts || env.Daemon.PID() == pid {
		if ctx.Err() != nil {
			t.Fatal("daemon not restarted")
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err := env.Daemon.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	after, err := c.GetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if after.Height < before.Height || !after.Regtest() {
		t.Errorf("after restart: height %d (before %d), network %s", after.Height, before.Height, after.Nettype)
	}
	// The chain continues: a block mined now extends the old chain.
	h, err := env.Faucet.Mine(ctx, 1)
	if err != nil || h != after.Height+1 {
		t.Errorf("Mine after restart = %d, %v; want %d", h, err, after.Height+1)
	}
	// Wallet servers reconnect to a restarted daemon on their own, a little
	// later (-38 "no connection to daemon" until then): the package's shared
	// chain is left usable for the tests and examples that follow.
	for {
		_, err := env.Faucet.Balance(ctx)
		if err == nil {
			break
		}
		if ctx.Err() != nil {
			t.Fatalf("the faucet's wallet server did not reconnect to the restarted daemon: %v", err)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func TestStopEndsTheProcess(t *testing.T) {
	chaintest.Skip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	dir := filepath.Join(t.TempDir(), "chain")
	d, err := chain.Start(ctx, chain.Config{DataDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	pid := d.PID()
	fi, err := os.Stat(dir)
	if err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("data dir mode %v, %v; want 0700", fi.Mode().Perm(), err)
	}
	env := readEnviron(t, pid)
	for _, kv := range env {
		if !strings.HasPrefix(kv, "HOME=") && !strings.HasPrefix(kv, "LANG=") {
			t.Errorf("monerod environment has %q", strings.SplitN(kv, "=", 2)[0])
		}
	}
	if err := d.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Kill(pid, 0); err == nil {
		t.Errorf("monerod %d still runs after Stop", pid)
	}
	if d.Ready() || d.PID() != 0 {
		t.Error("stopped daemon reports ready")
	}
	if err := d.Stop(ctx); err != nil {
		t.Errorf("second Stop: %v", err)
	}
}

func readEnviron(t *testing.T, pid int) []string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "environ"))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	var out []string
	for _, kv := range strings.Split(string(b), "\x00") {
		if kv != "" {
			out = append(out, kv)
		}
	}
	return out
}
