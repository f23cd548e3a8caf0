package walletpool

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Environment of a crashRun helper process (TestHelperCrashRun).
const (
	helperDirVar    = "WALLETPOOL_HELPER_WALLET_DIR"
	helperBinaryVar = "WALLETPOOL_HELPER_BINARY"
	helperCountVar  = "WALLETPOOL_HELPER_COUNT"
	helperSetupVar  = "WALLETPOOL_HELPER_SETUP" // "1": set up a 2-of-3 multisig on the servers
)

// Wallets and passwords of the multisig a crashRun sets up.
var setupWallets = []struct{ name, password string }{
	{"crash-buyer", "pw-buyer"}, {"crash-vendor", "pw-vendor"}, {"crash-arbiter", "pw-arbiter"},
}

// crashRun is an escrowd stand-in in a process of its own: a Supervisor on
// walletDir that a test can SIGKILL.
type crashRun struct {
	cmd     *exec.Cmd
	pids    []int  // its servers
	address string // the multisig address, when set up
}

// startCrashRun starts a helper process running a Supervisor of count
// servers of binary ("" = the real one) on walletDir, and waits until it
// reports its servers (and, with setup, the multisig address).
func startCrashRun(t *testing.T, walletDir, binary string, count int, setup bool) *crashRun {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCrashRun$", "-test.timeout=0")
	cmd.Env = append(os.Environ(), helperDirVar+"="+walletDir, helperBinaryVar+"="+binary,
		helperCountVar+"="+strconv.Itoa(count), helperSetupVar+"="+map[bool]string{true: "1"}[setup])
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := &crashRun{cmd: cmd}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		for _, pid := range r.pids {
			if alive(pid) {
				_ = syscall.Kill(pid, syscall.SIGKILL) // leave no orphan, even on failure
			}
		}
	})
	sc := bufio.NewScanner(out)
	for sc.Scan() {
		line := sc.Text()
		if n, ok := strings.CutPrefix(line, "server-pid "); ok {
			pid, _ := strconv.Atoi(n)
			r.pids = append(r.pids, pid)
		}
		if a, ok := strings.CutPrefix(line, "address "); ok {
			r.address = a
		}
		if line == "ready" {
			break
		}
	}
	go io.Copy(io.Discard, out) //nolint:errcheck // drain until killed
	if len(r.pids) != count || setup && r.address == "" {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		t.Fatalf("helper reported servers %v, address %q; stderr:\n%s", r.pids, r.address, stderr.String())
	}
	return r
}

// kill SIGKILLs the helper, as a crash or the OOM killer would, and reaps it.
func (r *crashRun) kill(t *testing.T) {
	t.Helper()
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = r.cmd.Wait()
}

// TestHelperCrashRun is the helper process of startCrashRun.
func TestHelperCrashRun(t *testing.T) {
	dir := os.Getenv(helperDirVar)
	if dir == "" {
		t.Skip("helper process for the crash tests")
	}
	count, _ := strconv.Atoi(os.Getenv(helperCountVar))
	ctx := context.Background()
	sup, err := StartSupervisor(ctx, SupervisorConfig{Count: count, WalletDir: dir, Binary: os.Getenv(helperBinaryVar)})
	if err != nil {
		t.Fatal(err)
	}
	defer sup.Stop(ctx)
	for _, s := range sup.Servers() {
		fmt.Printf("server-pid %d\n", s.PID())
	}
	if os.Getenv(helperSetupVar) == "1" {
		addr, err := setupMultisig(ctx, sup.Servers())
		if err != nil {
			t.Fatal(err)
		}
		fmt.Printf("address %s\n", addr)
	}
	fmt.Println("ready")
	select {} // until killed
}

// setupMultisig makes the 2-of-3 wallets of setupWallets, one per server,
// storing after every step as escrowd does, and returns their address. The
// three wallets of a step run at once, as escrowd runs them.
func setupMultisig(ctx context.Context, servers []*Server) (string, error) {
	cs := make([]*walletrpc.Client, 3)
	for i := range cs {
		cs[i] = servers[i].Client()
	}
	// each runs step on the three wallets at once and collects their output.
	each := func(step func(i int, c *walletrpc.Client) (string, error)) ([]string, error) {
		out := make([]string, 3)
		errs := make([]error, 3)
		var wg sync.WaitGroup
		for i, c := range cs {
			wg.Go(func() { out[i], errs[i] = step(i, c) })
		}
		wg.Wait()
		return out, errors.Join(errs...)
	}
	others := func(all []string, i int) []string {
		return slices.Delete(slices.Clone(all), i, i+1)
	}
	infos, err := each(func(i int, c *walletrpc.Client) (string, error) {
		if err := c.CreateWallet(ctx, setupWallets[i].name, setupWallets[i].password); err != nil {
			return "", err
		}
		return c.PrepareMultisig(ctx)
	})
	if err != nil {
		return "", err
	}
	var addrs []string
	for round := 1; round <= 3; round++ {
		addrs = make([]string, 3)
		infos, err = each(func(i int, c *walletrpc.Client) (string, error) {
			var res walletrpc.KexResult
			var err error
			if round == 1 {
				res, err = c.MakeMultisig(ctx, others(infos, i), 2, setupWallets[i].password)
			} else {
				res, err = c.ExchangeMultisigKeys(ctx, others(infos, i), setupWallets[i].password)
			}
			if err != nil {
				return "", fmt.Errorf("round %d wallet %s: %w", round, setupWallets[i].name, err)
			}
			addrs[i] = res.Address
			return res.MultisigInfo, c.Store(ctx)
		})
		if err != nil {
			return "", err
		}
	}
	for i, c := range cs {
		st, err := c.IsMultisig(ctx)
		if err != nil || !st.Ready || addrs[i] != addrs[0] {
			return "", fmt.Errorf("wallet %s after setup: %+v, address %q, %v", setupWallets[i].name, st, addrs[i], err)
		}
	}
	return addrs[0], nil
}

// TestServersDieWithParent: a supervisor whose process is SIGKILLed takes its
// servers with it, even servers that ignore SIGTERM, the way a
// monero-wallet-rpc hung in its own shutdown does: the parent-death signal
// is SIGKILL. A new supervisor on the same wallet dir starts, and no server
// of the old run remains. While the old run lives, a second supervisor on
// its wallet dir is refused and kills nothing.
func TestServersDieWithParent(t *testing.T) {
	walletDir := filepath.Join(t.TempDir(), "wallets")
	fake := fakeBinary(t, "ignore-term")
	old := startCrashRun(t, walletDir, fake, 2, false)

	second, err := StartSupervisor(t.Context(), SupervisorConfig{Count: 1, WalletDir: walletDir, Binary: fake, StopTimeout: time.Second, Logger: testLogger(t)})
	if err == nil {
		_ = second.Stop(t.Context())
	}
	if !errors.Is(err, ErrWalletDirInUse) {
		t.Errorf("a second supervisor on a live run's wallet dir: %v, want ErrWalletDirInUse", err)
	}
	for _, pid := range old.pids {
		if !alive(pid) {
			t.Fatalf("server %d of the live run was killed", pid)
		}
	}

	old.kill(t)
	sup, err := StartSupervisor(t.Context(), SupervisorConfig{Count: 2, WalletDir: walletDir, Binary: fake, StopTimeout: time.Second, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("restart on the same wallet dir: %v", err)
	}
	t.Cleanup(func() { _ = sup.Stop(context.Background()) })
	// No waiting: the kernel's SIGKILL, or StartSupervisor's reaping, has
	// ended them before StartSupervisor returned.
	for _, pid := range old.pids {
		if alive(pid) {
			st, _ := readProcStat(pid)
			t.Errorf("server %d of the killed run still runs (state %c, parent %d)", pid, st.State, st.PPID)
		}
	}
	var now []int
	for _, s := range sup.Servers() {
		now = append(now, s.PID())
	}
	slices.Sort(now)
	if got := processesUsing(walletDir); !slices.Equal(got, now) {
		t.Errorf("processes on the wallet dir %v, want only the new run's %v", got, now)
	}
}

// TestWalletsOpenAfterCrash: on the real server, the multisig wallets a
// killed run set up (and stored after every step) open in the next run on
// the same wallet dir, finalized, with the same address.
func TestWalletsOpenAfterCrash(t *testing.T) {
	requireBinary(t)
	walletDir := filepath.Join(t.TempDir(), "wallets")
	began := time.Now()
	old := startCrashRun(t, walletDir, "", 3, true)
	t.Logf("old run: 3 servers and a 2-of-3 setup in %v; address %s", time.Since(began).Round(time.Millisecond), old.address)
	old.kill(t)
	began = time.Now()

	sup, err := StartSupervisor(t.Context(), SupervisorConfig{Count: 3, WalletDir: walletDir, Logger: testLogger(t)})
	if err != nil {
		t.Fatalf("restart on the same wallet dir: %v", err)
	}
	t.Cleanup(func() { _ = sup.Stop(context.Background()) })
	for _, pid := range old.pids {
		if alive(pid) {
			t.Errorf("server %d of the killed run still runs", pid)
		}
	}
	opened := make([]error, 3)
	var wg sync.WaitGroup
	for i, w := range setupWallets {
		wg.Go(func() { opened[i] = sup.Servers()[i].Client().OpenWallet(t.Context(), w.name, w.password) })
	}
	wg.Wait()
	for i, w := range setupWallets {
		c := sup.Servers()[i].Client()
		if err := opened[i]; err != nil {
			t.Fatalf("open %s after the crash: %v", w.name, err)
		}
		st, err := c.IsMultisig(t.Context())
		if err != nil || !st.Ready || st.Threshold != 2 || st.Total != 3 {
			t.Errorf("%s after the crash: %+v, %v", w.name, st, err)
		}
		addr, err := c.GetAddress(t.Context())
		if err != nil || addr != old.address {
			t.Errorf("%s address %q (%v), want %q", w.name, addr, err, old.address)
		}
	}
	t.Logf("new run: 3 servers started and the 3 wallets open, ready, same address in %v", time.Since(began).Round(time.Millisecond))
}

// TestStopKillsServerIgnoringTERM: Stop sends SIGTERM, and SIGKILL after
// StopTimeout to a server that ignores it; it returns once the server is
// gone and says it had to kill.
func TestStopKillsServerIgnoringTERM(t *testing.T) {
	sup, err := StartSupervisor(t.Context(), SupervisorConfig{
		Count: 1, WalletDir: filepath.Join(t.TempDir(), "wallets"), Binary: fakeBinary(t, "ignore-term"),
		StopTimeout: 200 * time.Millisecond, Logger: testLogger(t),
	})
	if err != nil {
		t.Fatal(err)
	}
	pid := sup.Servers()[0].PID()
	if err := sup.Stop(t.Context()); err == nil || !strings.Contains(err.Error(), "killed after no exit on SIGTERM") {
		t.Errorf("Stop = %v, want it to report the kill", err)
	}
	if _, ok := readProcStat(pid); ok {
		t.Errorf("server %d still exists after Stop", pid)
	}
}

// TestReapOrphans: at start a supervisor kills the servers a dead run left
// on its wallet dir, found by --wallet-dir and our marker, and no other
// process: not one without the marker (an operator's own server), not one
// with another dir's marker, not one on another dir, not one whose starter
// still runs it.
func TestReapOrphans(t *testing.T) {
	root := t.TempDir()
	walletDir := filepath.Join(root, "wallets")
	otherDir := filepath.Join(root, "other")
	type orphan struct {
		name     string
		dir      string // its --wallet-dir
		token    string // its marker's token, "" = no marker
		orphaned bool   // its starter (the marker's PID) has exited
		wantKill bool
	}
	cases := []orphan{
		{"ours, orphaned", walletDir, dirToken(walletDir), true, true},
		{"no marker", walletDir, "", true, false},
		{"another dir's marker", walletDir, dirToken(otherDir), true, false},
		{"another wallet dir", otherDir, dirToken(otherDir), true, false},
		{"ours, parent alive", walletDir, dirToken(walletDir), false, false},
	}
	// A process that looks like a server in ps: argv has --wallet-dir, and
	// it ignores SIGTERM as a hung one does.
	const loop = `trap "" TERM; while :; do sleep 1; done`
	pids := make([]int, len(cases))
	for i, c := range cases {
		env := []string{"PATH=" + os.Getenv("PATH")}
		var cmd *exec.Cmd
		if c.orphaned {
			// Started in the background by a shell that exits at once; the
			// marker names that shell.
			marker := ""
			if c.token != "" {
				marker = markerVar + `="$2:$$" `
			}
			cmd = exec.Command("/bin/sh", "-c", marker+`/bin/sh -c '`+loop+`' fake-wallet-rpc --wallet-dir "$1" >/dev/null 2>&1 & echo $!`, "sh", c.dir, c.token)
			cmd.Env = env
			out, err := cmd.Output()
			if err != nil {
				t.Fatal(err)
			}
			pids[i], _ = strconv.Atoi(strings.TrimSpace(string(out)))
		} else {
			cmd = exec.Command("/bin/sh", "-c", loop, "fake-wallet-rpc", "--wallet-dir", c.dir)
			cmd.Env = append(env, markerVar+"="+c.token+":"+strconv.Itoa(os.Getpid()))
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			go cmd.Wait() //nolint:errcheck // reaped when killed below
			pids[i] = cmd.Process.Pid
		}
		pid := pids[i]
		t.Cleanup(func() { _ = syscall.Kill(pid, syscall.SIGKILL) })
		eventually(t, c.name+" to run", func() bool {
			args, err := osprobeArgs(pid)
			return err == nil && servesDir(args, c.dir)
		})
	}

	sup, err := StartSupervisor(t.Context(), SupervisorConfig{
		Count: 1, WalletDir: walletDir, Binary: fakeBinary(t, "serve"), Logger: testLogger(t),
	})
	if err != nil {
		t.Fatalf("StartSupervisor: %v", err)
	}
	t.Cleanup(func() { _ = sup.Stop(context.Background()) })
	for i, c := range cases {
		if got := !alive(pids[i]); got != c.wantKill {
			t.Errorf("%s (pid %d): killed %v, want %v", c.name, pids[i], got, c.wantKill)
		}
	}
}
