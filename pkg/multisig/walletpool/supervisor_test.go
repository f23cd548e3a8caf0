package walletpool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// requireBinary skips only in -short mode: CI installs monero, and a
// supervisor test that silently skips there proves nothing.
func requireBinary(t *testing.T) {
	t.Helper()
	if _, err := exec.LookPath(DefaultBinary); err != nil {
		if testing.Short() {
			t.Skipf("%s not installed (apt-get install monero); skipped in -short mode", DefaultBinary)
		}
		t.Fatalf("%s not installed (apt-get install monero): %v", DefaultBinary, err)
	}
}

func testLogger(t *testing.T) *slog.Logger {
	return slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

// supervisorGoroutines lists goroutines running supervisor code.
func supervisorGoroutines() []string {
	buf := make([]byte, 1<<20)
	buf = buf[:runtime.Stack(buf, true)]
	var found []string
	for _, g := range strings.Split(string(buf), "\n\n") {
		if strings.Contains(g, "walletpool.(*Supervisor)") || strings.Contains(g, "walletpool.spawn") {
			found = append(found, g)
		}
	}
	return found
}

// noGoroutinesLeft checks that supervisor goroutines are back to before.
// A reaper that has just signalled the WaitGroup may still be returning, so
// it waits for the count to settle.
func noGoroutinesLeft(t *testing.T, before int) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		g := supervisorGoroutines()
		if len(g) == before {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d supervisor goroutines left (want %d):\n%s", len(g), before, strings.Join(g, "\n\n"))
		}
		runtime.Gosched()
	}
}

// listeners returns the local addresses (hex, as in /proc/net/tcp*) that
// listen on port.
func listeners(t *testing.T, port int) []string {
	t.Helper()
	var addrs []string
	for _, f := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		fh, err := os.Open(f)
		if err != nil {
			continue
		}
		sc := bufio.NewScanner(fh)
		for sc.Scan() {
			fields := strings.Fields(sc.Text())
			// sl local_address rem_address st ...; st 0A = LISTEN
			if len(fields) < 4 || fields[3] != "0A" {
				continue
			}
			host, p, ok := strings.Cut(fields[1], ":")
			if !ok {
				continue
			}
			if n, err := strconv.ParseUint(p, 16, 32); err == nil && int(n) == port {
				addrs = append(addrs, host)
			}
		}
		fh.Close()
	}
	return addrs
}

func portOf(t *testing.T, s *Server) int {
	t.Helper()
	_, p, err := net.SplitHostPort(strings.TrimPrefix(s.URL(), "http://"))
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

// TestSupervisor runs one supervisor of three real servers through its life:
// start, checks, a crash and restart, and Stop.
func TestSupervisor(t *testing.T) {
	requireBinary(t)
	dir := t.TempDir()
	walletDir := filepath.Join(dir, "data", "wallets")
	// An existing, too open wallet dir must be tightened.
	if err := os.MkdirAll(walletDir, 0o755); err != nil {
		t.Fatal(err)
	}
	ctx := t.Context()
	goroutinesBefore := len(supervisorGoroutines())
	sup, err := StartSupervisor(ctx, SupervisorConfig{
		Count: 3, WalletDir: walletDir, StopTimeout: 20 * time.Second, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatalf("StartSupervisor: %v", err)
	}
	stopped := false
	t.Cleanup(func() {
		if !stopped {
			sup.Stop(context.Background())
		}
	})
	servers := sup.Servers()

	t.Run("each answers", func(t *testing.T) {
		if len(servers) != 3 {
			t.Fatalf("%d servers, want 3", len(servers))
		}
		ports, pids := map[int]bool{}, map[int]bool{}
		for i, s := range servers {
			if want := fmt.Sprintf("wallet-rpc-%d", i); s.ID() != want {
				t.Errorf("ID = %q, want %q", s.ID(), want)
			}
			if !s.Healthy() {
				t.Errorf("%s not healthy", s.ID())
			}
			if s.WalletDir() != walletDir {
				t.Errorf("%s WalletDir = %q", s.ID(), s.WalletDir())
			}
			if _, err := s.Client().GetVersion(ctx); err != nil {
				t.Errorf("%s get_version: %v", s.ID(), err)
			}
			ports[portOf(t, s)] = true
			pids[s.PID()] = true
			if !alive(s.PID()) {
				t.Errorf("%s PID %d not running", s.ID(), s.PID())
			}
		}
		if len(ports) != 3 || len(pids) != 3 {
			t.Errorf("ports %v, pids %v: want 3 distinct each", ports, pids)
		}
	})

	t.Run("private directories", func(t *testing.T) {
		for _, d := range []string{walletDir, filepath.Join(dir, "data", "logs")} {
			fi, err := os.Stat(d)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o700 {
				t.Errorf("%s mode %v, want 0700", d, fi.Mode().Perm())
			}
		}
		for i := range 3 {
			if _, err := os.Stat(filepath.Join(dir, "data", "logs", fmt.Sprintf("wallet-rpc-%d.log", i))); err != nil {
				t.Errorf("log file: %v", err)
			}
		}
		confs, _ := filepath.Glob(filepath.Join(dir, "data", "logs", "*.conf"))
		if len(confs) != 0 {
			t.Errorf("credential files left on disk: %v", confs)
		}
	})

	t.Run("loopback only", func(t *testing.T) {
		for _, s := range servers {
			addrs := listeners(t, portOf(t, s))
			if len(addrs) == 0 {
				t.Fatalf("%s: no listener on its port", s.ID())
			}
			for _, a := range addrs {
				if a != "0100007F" { // 127.0.0.1, little-endian hex
					t.Errorf("%s listens on %s, want only 127.0.0.1", s.ID(), a)
				}
			}
		}
	})

	t.Run("credentials required and not in argv", func(t *testing.T) {
		s := servers[0]
		body := `{"jsonrpc":"2.0","id":0,"method":"get_version"}`
		resp, err := http.Post(s.URL()+"/json_rpc", "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusUnauthorized {
			t.Errorf("request without credentials: HTTP %d, want 401", resp.StatusCode)
		}
		m := sup.members[0]
		wrong, err := walletrpc.New(walletrpc.Options{URL: s.URL(), Username: m.creds.user, Password: "wrong"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := wrong.GetVersion(ctx); !errors.Is(err, walletrpc.ErrUnauthorized) {
			t.Errorf("wrong password: err = %v, want ErrUnauthorized", err)
		}
		cmdline, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", s.PID()))
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(string(cmdline), m.creds.pass) {
			t.Error("password visible in /proc/<pid>/cmdline")
		}
	})

	t.Run("external", func(t *testing.T) {
		m := sup.members[1]
		ext, err := NewExternal(ctx, External{URL: m.srv.URL() + "/json_rpc", Username: m.creds.user, Password: m.creds.pass})
		if err != nil {
			t.Fatalf("NewExternal: %v", err)
		}
		if ext.URL() != m.srv.URL() || ext.ID() != strings.TrimPrefix(m.srv.URL(), "http://") ||
			ext.PID() != 0 || ext.WalletDir() != "" || !ext.Healthy() {
			t.Errorf("external server: id %q url %q pid %d dir %q healthy %v",
				ext.ID(), ext.URL(), ext.PID(), ext.WalletDir(), ext.Healthy())
		}
		if _, err := NewExternal(ctx, External{URL: m.srv.URL(), Username: m.creds.user, Password: "wrong"}); !errors.Is(err, walletrpc.ErrUnauthorized) {
			t.Errorf("wrong password: err = %v, want ErrUnauthorized", err)
		}
		port, err := freePort()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := NewExternal(ctx, External{URL: fmt.Sprintf("http://127.0.0.1:%d", port)}); !errors.Is(err, walletrpc.ErrUnavailable) {
			t.Errorf("nothing listening: err = %v, want ErrUnavailable", err)
		}
	})

	t.Run("pool over real servers", func(t *testing.T) {
		p, err := NewPool(servers, PoolOptions{})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
		if !p.Ready() {
			t.Fatal("pool of 3 healthy servers not Ready")
		}
		l, err := p.Acquire(ctx, 3)
		if err != nil {
			t.Fatal(err)
		}
		defer l.Release()
		for _, s := range l.Servers() {
			if _, err := s.Client().GetVersion(ctx); err != nil {
				t.Errorf("%s: %v", s.ID(), err)
			}
		}
	})

	t.Run("restart after SIGKILL", func(t *testing.T) {
		s := servers[1]
		var mu sync.Mutex
		var changes []bool
		unwatch := s.watch(func() {
			mu.Lock()
			changes = append(changes, s.Healthy())
			mu.Unlock()
		})
		defer unwatch()
		oldPID, oldURL, before := s.PID(), s.URL(), sup.Restarts()
		if err := syscall.Kill(oldPID, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		var got []bool
		eventually(t, "the server to go down and come back", func() bool {
			mu.Lock()
			defer mu.Unlock()
			got = append(got[:0], changes...)
			return len(got) >= 2
		})
		if len(got) != 2 || got[0] || !got[1] {
			t.Errorf("health changes %v, want [false true]", got)
		}
		if sup.Restarts() != before+1 {
			t.Errorf("Restarts = %d, want %d", sup.Restarts(), before+1)
		}
		if s.PID() == oldPID || s.PID() == 0 {
			t.Errorf("PID %d after restart (was %d)", s.PID(), oldPID)
		}
		if alive(oldPID) {
			t.Errorf("old process %d still alive", oldPID)
		}
		if _, ok := readProcStat(oldPID); ok {
			t.Errorf("old process %d not reaped", oldPID)
		}
		// Its port was free again, so it comes back where it was.
		if s.URL() != oldURL {
			t.Errorf("URL %s after restart, want the same %s", s.URL(), oldURL)
		}
		if _, err := s.Client().GetVersion(ctx); err != nil {
			t.Errorf("get_version after restart: %v", err)
		}
		for _, o := range []*Server{servers[0], servers[2]} {
			if !o.Healthy() {
				t.Errorf("%s unhealthy after another server's restart", o.ID())
			}
		}
	})

	t.Run("stop", func(t *testing.T) {
		var pids []int
		for _, s := range servers {
			pids = append(pids, s.PID())
		}
		// ErrKilled: a server hung in its own shutdown and was killed, as
		// designed (monero-wallet-rpc 0.18): the process is gone all the same.
		if err := sup.Stop(ctx); err != nil && !errors.Is(err, ErrKilled) {
			t.Fatalf("Stop: %v", err)
		}
		stopped = true
		for i, pid := range pids {
			if _, ok := readProcStat(pid); ok {
				t.Errorf("process %d (%s) still exists after Stop", pid, servers[i].ID())
			}
			if servers[i].Healthy() || servers[i].PID() != 0 {
				t.Errorf("%s after Stop: healthy %v pid %d", servers[i].ID(), servers[i].Healthy(), servers[i].PID())
			}
		}
		if left := processesUsing(walletDir); len(left) > 0 {
			t.Errorf("processes still using the wallet dir after Stop: %v", left)
		}
		noGoroutinesLeft(t, goroutinesBefore)
		if err := sup.Stop(ctx); err != nil && !errors.Is(err, ErrKilled) {
			t.Errorf("second Stop: %v", err)
		}
	})
}

// TestSupervisorPortTaken: a port taken between picking and binding makes
// the process exit; the supervisor starts it again on another port.
func TestSupervisorPortTaken(t *testing.T) {
	requireBinary(t)
	taken, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer taken.Close()
	takenPort := taken.Addr().(*net.TCPAddr).Port
	first := true
	pick := func() (int, error) {
		if first {
			first = false
			return takenPort, nil
		}
		return freePort()
	}
	sup, err := startSupervisor(t.Context(), SupervisorConfig{
		Count: 1, WalletDir: filepath.Join(t.TempDir(), "wallets"), Logger: testLogger(t),
	}, pick)
	if err != nil {
		t.Fatalf("StartSupervisor: %v", err)
	}
	defer sup.Stop(context.Background())
	s := sup.Servers()[0]
	if portOf(t, s) == takenPort {
		t.Fatalf("server claims the taken port %d", takenPort)
	}
	if _, err := s.Client().GetVersion(t.Context()); err != nil {
		t.Fatalf("get_version: %v", err)
	}
}

func TestStartSupervisorFails(t *testing.T) {
	hang := filepath.Join(t.TempDir(), "hang.sh")
	if err := os.WriteFile(hang, []byte("#!/bin/sh\nexec sleep 600\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		binary  string
		timeout time.Duration
		wantIs  error  // nil = any error
		wantMsg string // substring
	}{
		{"missing binary", "/nonexistent/monero-wallet-rpc", 0, nil, "not found"},
		{"exits at once", "/bin/false", 0, errExited, "exit status 1"},
		{"never answers", hang, 200 * time.Millisecond, context.DeadlineExceeded, "no answer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := len(supervisorGoroutines())
			sup, err := StartSupervisor(t.Context(), SupervisorConfig{
				Count: 2, Binary: tt.binary, WalletDir: filepath.Join(t.TempDir(), "w"),
				StartTimeout: tt.timeout, Logger: testLogger(t),
			})
			if err == nil {
				sup.Stop(context.Background())
				t.Fatal("StartSupervisor succeeded")
			}
			if tt.wantIs != nil && !errors.Is(err, tt.wantIs) {
				t.Errorf("err = %v, want errors.Is %v", err, tt.wantIs)
			}
			if !strings.Contains(err.Error(), tt.wantMsg) {
				t.Errorf("err = %v, want it to mention %q", err, tt.wantMsg)
			}
			noGoroutinesLeft(t, before)
		})
	}
}

// TestStopDuringRestart: Stop while a dead server is being restarted leaves
// no process behind.
func TestStopDuringRestart(t *testing.T) {
	requireBinary(t)
	sup, err := StartSupervisor(t.Context(), SupervisorConfig{
		Count: 1, WalletDir: filepath.Join(t.TempDir(), "wallets"), Logger: testLogger(t),
	})
	if err != nil {
		t.Fatalf("StartSupervisor: %v", err)
	}
	s := sup.Servers()[0]
	down := make(chan struct{}, 1)
	unwatch := s.watch(func() {
		if !s.Healthy() {
			select {
			case down <- struct{}{}:
			default:
			}
		}
	})
	defer unwatch()
	if err := syscall.Kill(s.PID(), syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	<-down // the monitor has seen the death and is restarting
	if err := sup.Stop(t.Context()); err != nil && !errors.Is(err, ErrKilled) {
		t.Fatalf("Stop: %v", err)
	}
	m := sup.members[0]
	if p := m.current(); p != nil && !p.hasExited() {
		t.Fatalf("process %d still running after Stop", p.cmd.Process.Pid)
	}
	if s.Healthy() {
		t.Error("server healthy after Stop")
	}
	if pids := processesUsing(m.srv.WalletDir()); len(pids) > 0 {
		t.Errorf("processes still using the wallet dir after Stop: %v", pids)
	}
}
