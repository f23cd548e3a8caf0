package walletpool

import (
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

var update = flag.Bool("update", false, "rewrite testdata golden files")

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", name)
	if *update {
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs:\n--- got\n%s--- want\n%s", name, got, want)
	}
}

func TestServerArgs(t *testing.T) {
	base := SupervisorConfig{Count: 1, WalletDir: "/data/wallets", LogDir: "/data/logs"}
	daemon := base
	daemon.Daemon = "127.0.0.1:18081"
	daemon.ExtraArgs = []string{"--max-concurrency", "1"}
	tests := []struct {
		name string
		cfg  SupervisorConfig
	}{
		{"args_offline.golden", base},
		{"args_daemon.golden", daemon},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := serverArgs(tt.cfg, 18083, "/data/logs/wallet-rpc-0.log", "/data/logs/wallet-rpc-0.conf")
			golden(t, tt.name, strings.Join(args, "\n")+"\n")
		})
	}
}

func TestTailBufferLastLine(t *testing.T) {
	tests := []struct {
		name, out, want string
	}{
		{"empty", "", ""},
		{"bind failure",
			"Monero 'Fluorine Fermi' (v0.18.0.0-unknown)\nLogging to /tmp/l.log\n" +
				"\x1b[0;36m2026-11-26 19:33:41.859\tI \x1b[0;36mBinding on 127.0.0.1 (IPv4):38123\n" +
				"\x1b[0m\x1b[0;31m2026-11-26 19:33:41.860\tF \x1b[0;31mError starting server: Failed to bind IPv4 (set to required)\n" +
				"\x1b[0m\x1b[0;31m2026-11-26 19:33:41.860\tE \x1b[0;31mFailed to initialize wallet RPC server\n\x1b[0m",
			"2026-11-26 19:33:41.860\tF Error starting server: Failed to bind IPv4 (set to required)"},
		{"error only", "a\n2026-11-26 19:33:41.860\tE first\n2026-11-26 19:33:41.861\tE second\nb\n", "2026-11-26 19:33:41.860\tE first"},
		{"no error", "one\ntwo\n\n", "two"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := &tailBuffer{max: 4096}
			b.Write([]byte(tt.out))
			if got := b.lastLine(); got != tt.want {
				t.Errorf("lastLine = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestTailBufferKeepsTail(t *testing.T) {
	b := &tailBuffer{max: 8}
	b.Write([]byte("0123456789"))
	b.Write([]byte("ab"))
	if got := string(b.buf); got != "456789ab" {
		t.Fatalf("buf = %q", got)
	}
}

// startShell runs a shell script as a supervised process would run.
func startShell(t *testing.T, script string) *proc {
	t.Helper()
	cmd := exec.Command("/bin/sh", "-c", script)
	cmd.SysProcAttr = sysProcAttr()
	out := &tailBuffer{max: 1024}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &proc{cmd: cmd, out: out, exited: make(chan struct{})}
	go func() {
		p.err = cmd.Wait()
		close(p.exited)
	}()
	return p
}

func TestTerminate(t *testing.T) {
	tests := []struct {
		name       string
		script     string
		grace      time.Duration
		wantKilled bool
	}{
		// The shell waits for sleep, and SIGTERM to the group ends both.
		{"exits on SIGTERM", "sleep 60", time.Minute, false},
		// Ignores SIGTERM: only SIGKILL after the grace ends it.
		{"ignores SIGTERM", "trap '' TERM; echo ready; while :; do sleep 1; done", 50 * time.Millisecond, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := startShell(t, tt.script)
			if tt.wantKilled {
				// Make sure the trap is installed before we signal.
				eventually(t, "script to start", func() bool { return p.out.lastLine() == "ready" })
			}
			killed := terminate(t.Context(), p, tt.grace)
			if killed != tt.wantKilled {
				t.Errorf("killed = %v, want %v", killed, tt.wantKilled)
			}
			if !p.hasExited() {
				t.Fatal("terminate returned before the process was reaped")
			}
			// The whole group goes, children included (the kernel may take
			// a moment to finish a grandchild that got SIGKILL).
			eventually(t, "process group to end", func() bool { return len(liveGroupMembers(p.cmd.Process.Pid)) == 0 })
			// Terminating an exited process is a no-op.
			if terminate(t.Context(), p, 0) {
				t.Error("second terminate reports a kill")
			}
		})
	}
}

func TestWriteConfigFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "x.conf")
	if err := os.WriteFile(path, []byte("stale"), 0o644); err != nil {
		t.Fatal(err)
	}
	c, err := newCredentials()
	if err != nil {
		t.Fatal(err)
	}
	if err := writeConfigFile(path, c); err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, want 0600", fi.Mode().Perm())
	}
	b, _ := os.ReadFile(path)
	if want := "rpc-login=" + c.user + ":" + c.pass + "\n"; string(b) != want {
		t.Errorf("content = %q, want %q", b, want)
	}
	if len(c.pass) < 32 {
		t.Errorf("password has %d hex chars, want >= 32", len(c.pass))
	}
	c2, _ := newCredentials()
	if c2 == c {
		t.Error("two credentials are equal")
	}
}
