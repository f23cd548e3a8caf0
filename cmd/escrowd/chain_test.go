package main

import (
	"context"
	"net/http"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/daemontest"
	"github.com/escrowd/escrowd/internal/osprobe"
	"github.com/escrowd/escrowd/pkg/chain"
)

func needChain(t *testing.T) {
	t.Helper()
	needWalletRPC(t)
	if _, err := exec.LookPath("monerod"); err != nil {
		t.Skip("monerod is not installed (apt-get install monero)")
	}
}

// monerods lists the monerod processes on chainDir.
func monerods(t *testing.T, chainDir string) []osprobe.Process {
	t.Helper()
	ps, err := osprobe.Find("monerod", chainDir)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// waitFor polls cond until it holds, failing the test after timeout (a
// bound against a hang on a loaded machine, not a measurement).
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within %v", what, timeout)
		}
		time.Sleep(100 * time.Millisecond) // polling processes and endpoints, not a fix
	}
}

// argAfter is the argument after flag in a command line, "" without it.
func argAfter(args []string, flag string) string {
	if i := slices.Index(args, flag); i >= 0 && i+1 < len(args) {
		return args[i+1]
	}
	return ""
}

// TestEmbeddedChain: escrowd with no settings but where to listen and keep
// its data runs its own monerod --regtest, listening on loopback only, its
// wallet servers on it and a primed faucet; a SIGKILLed monerod is
// restarted and /readyz is healthy again; stopping escrowd leaves no
// monerod and no wallet server behind.
func TestEmbeddedChain(t *testing.T) {
	needChain(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	chainDir, walletDir := filepath.Join(data, "chain"), filepath.Join(data, "wallets")
	d := daemontest.Start(t, daemontest.Options{
		Args: []string{"--listen", "127.0.0.1:0", "--data-dir", data}, Clean: true, Chain: true,
	})

	// One monerod, regtest, on our chain directory, listening on loopback only.
	ps := monerods(t, chainDir)
	if len(ps) != 1 {
		t.Fatalf("monerod processes on %s: %v, want 1", chainDir, ps)
	}
	pid := ps[0].PID
	args, err := osprobe.Args(pid)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(args, "--regtest") || argAfter(args, "--data-dir") != chainDir {
		t.Errorf("monerod's command line %q: want --regtest --data-dir %s", args, chainDir)
	}
	ls := osprobe.CheckLoopback(t, pid)
	if len(ls) == 0 {
		t.Fatal("monerod listens on nothing")
	}
	t.Logf("monerod %d listens on %v", pid, ls)

	// Every wallet server (the default 9 and the faucet's) uses that daemon,
	// none runs --offline, and the daemon there answers regtest.
	servers, err := osprobe.Find("monero-wallet-rpc", walletDir)
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != defaultPoolSize+1 {
		t.Errorf("wallet servers: %d, want %d (the pool and the faucet's)", len(servers), defaultPoolSize+1)
	}
	var daemonAddr string
	for _, s := range servers {
		a, err := osprobe.Args(s.PID)
		if err != nil {
			t.Fatal(err)
		}
		addr := argAfter(a, "--daemon-address")
		if addr == "" || slices.Contains(a, "--offline") || (daemonAddr != "" && addr != daemonAddr) {
			t.Errorf("wallet server %d: %q; want one --daemon-address for all and no --offline", s.PID, a)
		}
		daemonAddr = addr
	}
	if !slices.ContainsFunc(ls, func(l osprobe.Listener) bool { return l.Local.String() == daemonAddr }) {
		t.Errorf("the wallet servers' daemon %s is not monerod's listener %v", daemonAddr, ls)
	}
	client, err := chain.NewClient(daemonAddr)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	info, err := client.GetInfo(ctx)
	if err != nil || !info.Regtest() {
		t.Fatalf("get_info at %s: %+v, %v; want regtest", daemonAddr, info, err)
	}
	// The faucet is primed in the background through its wallet server on
	// that daemon: mined coinbase it can spend.
	waitFor(t, 3*time.Minute, "faucet primed", func() bool { return strings.Contains(d.Log(), "regtest faucet ready") })
	after, err := client.GetInfo(ctx)
	if err != nil || after.Height <= info.Height && info.Height < faucetOutputs+chain.CoinbaseUnlock {
		t.Errorf("height after priming %d (before %d), %v", after.Height, info.Height, err)
	}

	// SIGKILL of monerod: a new process on the same chain, /readyz healthy again.
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	var sawUnready bool
	waitFor(t, 3*time.Minute, "monerod restarted and escrowd ready", func() bool {
		ps := monerods(t, chainDir)
		ok := readyz(d.URL) == http.StatusOK
		sawUnready = sawUnready || !ok
		return len(ps) == 1 && ps[0].PID != pid && ok
	})
	t.Logf("/readyz answered not ready while monerod was down: %v", sawUnready)
	info2, err := client.GetInfo(ctx)
	if err != nil || !info2.Regtest() || info2.Height < after.Height {
		t.Errorf("after the restart: %+v, %v; want regtest at height >= %d (the chain kept)", info2, err, after.Height)
	}
	if !strings.Contains(d.Log(), "monerod exited; restarting") {
		t.Error("the restart is not in escrowd's log")
	}
	osprobe.CheckLoopback(t, monerods(t, chainDir)[0].PID)

	// SIGTERM: escrowd exits 0 and leaves no child behind.
	if err := d.Stop(syscall.SIGTERM, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	if code := d.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Errorf("exit code %d after SIGTERM", code)
	}
	waitFor(t, time.Minute, "no monerod and no wallet server left", func() bool {
		left, _ := osprobe.Find(data)
		return len(left) == 0
	})
}

// readyz is /readyz's status code, 0 when it does not answer.
func readyz(url string) int {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
	if err != nil {
		return 0
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0
	}
	resp.Body.Close()
	return resp.StatusCode
}

// TestUserDaemon: with --daemon-address escrowd starts no monerod of its
// own, its wallet servers use the user's daemon, and a daemon of another
// network, or none at the address, is refused at start with what to change
// and nothing left running.
func TestUserDaemon(t *testing.T) {
	needChain(t)
	dir := t.TempDir()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	userChain := filepath.Join(dir, "users-chain")
	dmn, err := chain.Start(ctx, chain.Config{DataDir: userChain})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { dmn.Stop(context.Background()) }) //nolint:errcheck // Stop kills what does not stop

	refusals := []struct {
		name string
		args []string
		want string
	}{
		{"regtest daemon, escrowd set to stagenet", []string{"--network", "stagenet", "--daemon-address", "http://" + dmn.Address()},
			"runs regtest (get_info nettype \\\"fakechain\\\"), but escrowd is set to --network=stagenet: set --network regtest, or point --daemon-address at a stagenet daemon"},
		{"regtest daemon, escrowd set to mainnet", []string{"--network", "mainnet", "--daemon-address", dmn.Address()},
			"set --network regtest"},
		{"nothing at the address", []string{"--daemon-address", "127.0.0.1:1"},
			"the daemon at --daemon-address=127.0.0.1:1 does not answer get_info"},
	}
	for _, tt := range refusals {
		t.Run(tt.name, func(t *testing.T) {
			data := filepath.Join(t.TempDir(), "data")
			cmd := exec.Command(daemontest.Binary(t), append([]string{"--listen", "127.0.0.1:0", "--data-dir", data, "--pool-size", "3"}, tt.args...)...)
			cmd.Env = daemontest.CleanEnv()
			cmd.WaitDelay = 10 * time.Second
			out, err := cmd.CombinedOutput()
			if cmd.ProcessState == nil || cmd.ProcessState.ExitCode() != exitFailed || !strings.Contains(string(out), tt.want) {
				t.Fatalf("exit %v, want %d saying %q:\n%s", err, exitFailed, tt.want, out)
			}
			if left, _ := osprobe.Find(data); len(left) != 0 {
				t.Errorf("processes left: %v", left)
			}
		})
	}

	data := filepath.Join(dir, "data")
	d := daemontest.Start(t, daemontest.Options{Chain: true, Clean: true,
		Args: []string{"--listen", "127.0.0.1:0", "--data-dir", data, "--pool-size", "3", "--daemon-address", "http://" + dmn.Address()}})
	if ps := monerods(t, filepath.Join(data, "chain")); len(ps) != 0 {
		t.Errorf("escrowd started a monerod of its own: %v", ps)
	}
	servers, err := osprobe.Find("monero-wallet-rpc", filepath.Join(data, "wallets"))
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 4 {
		t.Errorf("wallet servers %d, want 4 (3 and the regtest faucet's)", len(servers))
	}
	for _, s := range servers {
		if a, _ := osprobe.Args(s.PID); argAfter(a, "--daemon-address") != dmn.Address() {
			t.Errorf("wallet server %d: %q, want --daemon-address %s", s.PID, a, dmn.Address())
		}
	}
	waitFor(t, 3*time.Minute, "faucet primed on the user's regtest daemon", func() bool { return strings.Contains(d.Log(), "regtest faucet ready") })
	if err := d.Stop(syscall.SIGTERM, 2*time.Minute); err != nil {
		t.Fatal(err)
	}
	if !dmn.Ready() || dmn.Restarts() != 0 {
		t.Errorf("the user's daemon was touched: ready %v, restarts %d", dmn.Ready(), dmn.Restarts())
	}
	waitFor(t, time.Minute, "no wallet server left", func() bool {
		left, _ := osprobe.Find(data)
		return len(left) == 0
	})
}

// TestOfflineStartsNoDaemon: --offline runs the wallet servers --offline
// and starts no monerod.
func TestOfflineStartsNoDaemon(t *testing.T) {
	needWalletRPC(t)
	data := filepath.Join(t.TempDir(), "data")
	d := daemontest.Start(t, daemontest.Options{Clean: true,
		Args: []string{"--listen", "127.0.0.1:0", "--data-dir", data, "--pool-size", "3", "--reserve", "0"}})
	if ps := monerods(t, data); len(ps) != 0 {
		t.Errorf("monerod started offline: %v", ps)
	}
	servers, err := osprobe.Find("monero-wallet-rpc", filepath.Join(data, "wallets"))
	if err != nil {
		t.Fatal(err)
	}
	if len(servers) != 3 {
		t.Errorf("wallet servers %d, want 3 (no faucet offline)", len(servers))
	}
	for _, s := range servers {
		if a, _ := osprobe.Args(s.PID); !slices.Contains(a, "--offline") || argAfter(a, "--daemon-address") != "" {
			t.Errorf("wallet server %d: %q, want --offline", s.PID, a)
		}
	}
	if !strings.Contains(d.Log(), "running without a daemon (--offline)") {
		t.Error("the log does not say escrowd runs offline")
	}
}

// TestEscrowdKilledChainKept: what the crash tests stand on. SIGKILL of
// escrowd takes its monerod and wallet servers with it (nothing left to
// hold the chain's lock), and escrowd restarted on the same data directory
// runs the same chain (height kept) with its faucet already primed.
func TestEscrowdKilledChainKept(t *testing.T) {
	needChain(t)
	data := filepath.Join(t.TempDir(), "data")
	chainDir := filepath.Join(data, "chain")
	args := []string{"--listen", "127.0.0.1:0", "--data-dir", data, "--pool-size", "3", "--reserve", "0"}
	d := daemontest.Start(t, daemontest.Options{Args: args, Clean: true, Chain: true})
	waitFor(t, 3*time.Minute, "faucet primed", func() bool { return strings.Contains(d.Log(), "regtest faucet ready") })
	ps := monerods(t, chainDir)
	if len(ps) != 1 {
		t.Fatalf("monerod processes: %v", ps)
	}
	a, _ := osprobe.Args(ps[0].PID)
	client, err := chain.NewClient("127.0.0.1:" + argAfter(a, "--rpc-bind-port"))
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	before, err := client.GetInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}

	if err := d.Stop(syscall.SIGKILL, time.Minute); err != nil {
		t.Fatal(err)
	}
	waitFor(t, time.Minute, "no monerod and no wallet server of the killed escrowd", func() bool {
		left, _ := osprobe.Find(data)
		return len(left) == 0
	})

	d = daemontest.Start(t, daemontest.Options{Args: args, Clean: true, Chain: true})
	waitFor(t, 3*time.Minute, "faucet ready again", func() bool { return strings.Contains(d.Log(), "regtest faucet ready") })
	ps = monerods(t, chainDir)
	if len(ps) != 1 {
		t.Fatalf("monerod processes after the restart: %v", ps)
	}
	a, _ = osprobe.Args(ps[0].PID)
	client, err = chain.NewClient("127.0.0.1:" + argAfter(a, "--rpc-bind-port"))
	if err != nil {
		t.Fatal(err)
	}
	after, err := client.GetInfo(ctx)
	if err != nil || !after.Regtest() || after.Height != before.Height {
		t.Errorf("after the restart: %+v, %v; want the same regtest chain at height %d (an already primed faucet mines nothing)", after, err, before.Height)
	}
}
