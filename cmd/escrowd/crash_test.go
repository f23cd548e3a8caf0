package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/daemontest"
	"github.com/escrowd/escrowd/internal/osprobe"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Bounds of the crash test's waits on a shared, loaded machine: guards
// against a hang, never measurements.
const (
	crashStartTimeout = 8 * time.Minute
	crashStepTimeout  = 15 * time.Minute
)

// ownWallets are the test's own wallets (payees and a miner), on a wallet
// server of the test's, apart from escrowd's.
type ownWallets struct {
	dir  string
	addr map[string]string // wallet name -> address
}

const ownPassword = "own-pw"

// ownWalletServer starts one wallet server of the test's on dir, using
// daemon; stopped at cleanup (at once when stopped before).
func ownWalletServer(t *testing.T, ctx context.Context, dir, daemon string) (*walletrpc.Client, *walletpool.Supervisor) {
	t.Helper()
	sup, err := walletpool.StartSupervisor(ctx, walletpool.SupervisorConfig{
		Count: 1, WalletDir: filepath.Join(dir, "wallets"), LogDir: filepath.Join(dir, "logs"), Daemon: daemon,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := sup.Stop(context.Background()); err != nil && !errors.Is(err, walletpool.ErrKilled) {
			t.Errorf("stop the test's wallet server: %v", err)
		}
	})
	return sup.Servers()[0].Client(), sup
}

// newOwnWallets creates the named wallets on daemon and reads their
// addresses. Online, not offline: an offline wallet's restore height is
// estimated from the date for mainnet, past every regtest block.
func newOwnWallets(t *testing.T, ctx context.Context, dir, daemon string, names ...string) ownWallets {
	t.Helper()
	w, sup := ownWalletServer(t, ctx, dir, daemon)
	o := ownWallets{dir: dir, addr: map[string]string{}}
	for _, n := range names {
		if err := w.CreateWallet(ctx, n, ownPassword); err != nil {
			t.Fatal(err)
		}
		a, err := w.GetAddress(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if err := w.CloseWallet(ctx); err != nil {
			t.Fatal(err)
		}
		o.addr[n] = a
	}
	// Its daemon goes with this escrowd: a new server checks the payouts.
	if err := sup.Stop(ctx); err != nil && !errors.Is(err, walletpool.ErrKilled) {
		t.Fatal(err)
	}
	return o
}

// monerodClient is a client of the embedded monerod escrowd runs on
// chainDir now (its port changes at each start).
func monerodClient(t *testing.T, chainDir string) *chain.Client {
	t.Helper()
	ps := monerods(t, chainDir)
	if len(ps) != 1 {
		t.Fatalf("monerod processes on %s: %v, want 1", chainDir, ps)
	}
	a, err := osprobe.Args(ps[0].PID)
	if err != nil {
		t.Fatal(err)
	}
	c, err := chain.NewClient("127.0.0.1:" + argAfter(a, "--rpc-bind-port"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// pollEscrow polls GET /api/escrow/:id until cond holds, failing the test
// after crashStepTimeout.
func (d *daemon) pollEscrow(id, what string, cond func(map[string]any) bool) map[string]any {
	d.t.Helper()
	deadline := time.Now().Add(crashStepTimeout)
	for {
		_, m, err := d.call(http.MethodGet, "/api/escrow/"+id, "")
		if err == nil && cond(m) {
			return m
		}
		if time.Now().After(deadline) {
			d.t.Fatalf("escrow %s %s: not within %v; last %v, %v", id, what, crashStepTimeout, m, err)
		}
		time.Sleep(200 * time.Millisecond) // polling the daemon's state
	}
}

// waitKilled waits until escrowd SIGKILLed itself (the fault hook) and
// checks it said so.
func waitKilled(t *testing.T, d *daemon, stage string) {
	t.Helper()
	select {
	case <-d.Exited():
	case <-time.After(crashStepTimeout):
		t.Fatalf("escrowd did not kill itself after the %s stage within %v", stage, crashStepTimeout)
	}
	ws, ok := d.Cmd.ProcessState.Sys().(syscall.WaitStatus)
	if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
		t.Fatalf("escrowd exited %v, want killed by SIGKILL", d.Cmd.ProcessState)
	}
	if !strings.Contains(d.Log(), "fault injection: SIGKILL of escrowd") {
		t.Fatalf("escrowd's log does not say it killed itself after %s:\n%s", stage, d.Log())
	}
}

// txHash is an escrow view's payout transaction hash, "" without one.
func txHash(m map[string]any) string {
	p, _ := m["payout"].(map[string]any)
	h, _ := p["tx_hash"].(string)
	return h
}

func num(m map[string]any, key string) uint64 {
	f, _ := m[key].(float64)
	return uint64(f)
}

// TestPayoutCrashResumes (issue 18): escrowd on its embedded regtest chain
// takes two escrows to funded through POST /fund, asked right after the
// start (the faucet still priming: fund waits for it); each /fund answers
// funded. A release is crashed with ESCROWD_FAULT_KILL_AFTER_STAGE right
// after submit_multisig (escrow B) and, on the next start, between
// sign_multisig and submit_multisig (escrow A); each start on the same data
// dir resumes what the last left. Both end released, each with exactly one
// payout transaction on the chain: the daemon knows its hash, the payee's
// own wallet received exactly two incoming transfers, one per payout, of
// the payouts' amounts, and amount + fee is what each escrow was funded with.
func TestPayoutCrashResumes(t *testing.T) {
	needChain(t)
	dir := t.TempDir()
	data := filepath.Join(dir, "data")
	chainDir := filepath.Join(data, "chain")
	ctx, cancel := context.WithTimeout(context.Background(), time.Hour)
	defer cancel()

	start := func(stage string) *daemon {
		t.Helper()
		var env []string
		if stage != "" {
			env = append(env, faultEnv+"="+stage)
		}
		p := daemontest.Start(t, daemontest.Options{Clean: true, Chain: true, Env: env, StartTimeout: crashStartTimeout,
			Args: []string{"--listen", "127.0.0.1:0", "--data-dir", data, "--traces-dir", filepath.Join(dir, "traces"),
				"--pool-size", "3", "--reserve", "0", "--funding-poll", "1s"}})
		return &daemon{Proc: p, t: t, url: p.URL}
	}

	// Run 1 (kill after submitted): two escrows set up and funded.
	d := start("submitted")
	own := newOwnWallets(t, ctx, filepath.Join(dir, "own"), monerodClient(t, chainDir).Address(), "buyer", "vendor", "miner")
	const amount = 3_000_000_000_000 // 3 XMR
	ids := map[string]string{}
	for _, name := range []string{"A", "B"} {
		body := fmt.Sprintf(`{"buyer_id":"buyer-%s","vendor_id":"vendor-%s","amount":%d,"buyer_address":%q,"vendor_address":%q}`,
			name, name, amount, own.addr["buyer"], own.addr["vendor"])
		code, m := d.mustCall(http.MethodPost, "/api/escrow/init", body)
		id, _ := m["escrow_id"].(string)
		if code/100 != 2 || id == "" {
			t.Fatalf("init %s: %d %v", name, code, m)
		}
		ids[name] = id
		d.pollEscrow(id, "ready", func(m map[string]any) bool { return m["status"] == "ready" })
	}
	for _, name := range []string{"A", "B"} {
		// Right after the start the faucet may still be priming: fund
		// waits for it, then mines until the escrow's wallet says unlocked.
		primed := strings.Contains(d.Log(), "regtest faucet ready")
		code, m := d.mustCall(http.MethodPost, "/api/escrow/"+ids[name]+"/fund?wait=2m", "")
		if code != http.StatusOK || m["status"] != "funded" || num(m, "unlocked_balance") != amount {
			t.Fatalf("fund %s (faucet primed before: %v): %d %v", name, primed, code, m)
		}
		t.Logf("fund %s answered funded (faucet primed before the request: %v)", name, primed)
	}

	// B's release: killed right after submit_multisig was recorded.
	go d.call(http.MethodPost, "/api/escrow/"+ids["B"]+"/release?wait=10m", "") //nolint:errcheck // escrowd dies under it
	waitKilled(t, d, "submitted")

	// Run 2 (kill after signed): B resumes and ends released; A's release
	// is killed between sign_multisig and submit_multisig.
	d = start("signed")
	paidB := d.pollEscrow(ids["B"], "released", func(m map[string]any) bool { return m["status"] == "released" })
	if m := d.pollEscrow(ids["A"], "funded", func(m map[string]any) bool { return m["status"] == "funded" }); m["payout"] != nil {
		t.Fatalf("A has a payout before its release: %v", m)
	}
	go d.call(http.MethodPost, "/api/escrow/"+ids["A"]+"/release?wait=10m", "") //nolint:errcheck // escrowd dies under it
	waitKilled(t, d, "signed")

	// Run 3 (no fault): A resumes from its signed transaction.
	d = start("")
	paidA := d.pollEscrow(ids["A"], "released", func(m map[string]any) bool { return m["status"] == "released" })
	if m := d.pollEscrow(ids["B"], "still released", func(m map[string]any) bool { return m["status"] == "released" }); txHash(m) != txHash(paidB) {
		t.Errorf("B's payout changed across a restart: %v, was %v", m["payout"], paidB["payout"])
	}

	// One block on top; then the daemon and the payee's own wallet.
	client := monerodClient(t, chainDir)
	if _, err := client.GenerateBlocks(ctx, 1, own.addr["miner"]); err != nil {
		t.Fatal(err)
	}
	payouts := map[string]map[string]any{}
	for name, m := range map[string]map[string]any{"A": paidA, "B": paidB} {
		p, _ := m["payout"].(map[string]any)
		hash, _ := p["tx_hash"].(string)
		if p == nil || hash == "" || p["to_role"] != "vendor" || num(p, "fee") == 0 || num(p, "amount")+num(p, "fee") != amount {
			t.Fatalf("%s's payout %v: want to the vendor, amount + fee = %d", name, p, amount)
		}
		sts, err := client.Transactions(ctx, hash)
		if err != nil || len(sts) != 1 || sts[0].State != chain.TxInChain {
			t.Fatalf("%s's payout transaction on the daemon: %+v, %v; want mined", name, sts, err)
		}
		payouts[name] = p
	}
	if payouts["A"]["tx_hash"] == payouts["B"]["tx_hash"] {
		t.Fatal("both escrows name the same payout transaction")
	}
	got := d.pollEscrow(ids["A"], "confirmed", func(m map[string]any) bool {
		p, _ := m["payout"].(map[string]any)
		return p != nil && num(p, "confirmations") >= 1
	})
	t.Logf("A's payout as the API shows it: %v", got["payout"])

	w, _ := ownWalletServer(t, ctx, own.dir, client.Address())
	if err := w.OpenWallet(ctx, "vendor", ownPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	var total uint64
	for name, p := range payouts {
		trs, err := w.GetTransferByTxID(ctx, p["tx_hash"].(string))
		if err != nil {
			t.Fatalf("the vendor's own wallet has no transfer for %s's payout: %v", name, err)
		}
		var in uint64
		var n int
		for _, tr := range trs {
			if tr.Type == "in" {
				in += tr.Amount
				n++
			}
		}
		if n != 1 || in != num(p, "amount") {
			t.Errorf("%s: the vendor's wallet saw %d incoming transfers of %d in total, want one of %d", name, n, in, num(p, "amount"))
		}
		total += num(p, "amount")
	}
	// Nothing else came in: no second transaction for either payout.
	b, err := w.GetBalanceInfo(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if b.Balance != total {
		t.Errorf("the vendor's own wallet holds %d, want exactly the two payouts' %d", b.Balance, total)
	}
	if err := w.CloseWallet(ctx); err != nil {
		t.Fatal(err)
	}
	if err := w.OpenWallet(ctx, "buyer", ownPassword); err != nil {
		t.Fatal(err)
	}
	if _, err := w.Refresh(ctx); err != nil {
		t.Fatal(err)
	}
	if b, err := w.GetBalanceInfo(ctx); err != nil || b.Balance != 0 {
		t.Errorf("the buyer's own wallet holds %d, %v; want nothing (both released to the vendor)", b.Balance, err)
	}
	if n := strings.Count(d.Log(), "fault injection"); n != 0 {
		t.Errorf("the run without the hook logs fault injection %d times", n)
	}
}
