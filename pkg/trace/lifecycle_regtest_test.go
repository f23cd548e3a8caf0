package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/escrowd/escrowd/internal/chaintest"
	"github.com/escrowd/escrowd/internal/jaegertest"
	"github.com/escrowd/escrowd/internal/secretscan"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
	"github.com/escrowd/escrowd/pkg/trace"
)

// syncBuffer is a log sink the test reads while escrowd's code writes it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) Bytes() []byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return bytes.Clone(s.b.Bytes())
}

// moneyKeys are the JSON keys under which the money path's private values
// cross the wire: addresses (the payee's, in sweep_all and describe_transfer),
// multisig exports and imports, transaction sets and transaction hashes.
var moneyKeys = []string{"address", "info", "multisig_txset", "tx_data_hex", "tx_hash_list", "tx_hash", "unsigned_txset", "signed_txset", "tx_blob"}

// TestLifecycleOnRegtest: an escrow set up by the real coordinator, funded
// from the faucet and released on a real regtest chain, with tracing on into
// the file exporter and the real Jaeger. Its file validates, holds the
// setup, fund and release phases with 21 setup snapshots, a funding snapshot
// per role and the payout snapshots of both signers (and the third role's at
// the post-spend sync), the funded amount before the payout and 0 after; no
// payee address, transaction hash, multisig export or transaction set seen
// on the wire is in the file, the logs or Jaeger's answer; Jaeger has the
// setup's and the release's spans under the escrow's one trace ID. A naive
// payout of a second escrow, right after its funding check (traced), fails
// with the wallet's own error and its file ends on a failed release phase
// with its ERROR_FINAL.
//
// With ESCROWD_SAMPLE_DIR set, the two files are copied there.
func TestLifecycleOnRegtest(t *testing.T) {
	chaintest.Skip(t)
	if testing.Short() {
		t.Skip("starts a regtest chain and Jaeger")
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "trace-lifecycle-")
	if err != nil {
		t.Fatal(err)
	}
	// The servers' background refresh off from their start (a naive payout
	// also turns it off for its lease, and on again after it): the naive
	// payout below fails by its own missing refresh, not when a server
	// happens not to refresh the wallet first.
	env, err := chaintest.StartWith(ctx, dir, chaintest.Options{Servers: 3, BackgroundRefreshOff: true})
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(context.Background()); err != nil {
			t.Errorf("stop regtest: %v", err)
		}
		os.RemoveAll(dir)
	})
	pool, err := walletpool.NewPool(env.Servers, walletpool.PoolOptions{MaxWaiters: 16})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)

	j := jaegertest.Start(t)
	var logs syncBuffer
	logger := slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	tracesDir := filepath.Join(dir, "traces")
	p, err := trace.Setup(ctx, trace.Config{Enabled: true, File: true, FileDir: tracesDir,
		OTLP: true, OTLPProtocol: "http/protobuf", OTLPEndpoint: "http://" + j.OTLPHTTPEndpoint() + "/v1/traces", Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })

	var sec secretscan.Set
	capture := sec.Capture(moneyKeys...)
	mw := func(next walletrpc.Invoker) walletrpc.Invoker { return p.Middleware()(capture(next)) }
	coord, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret, Observer: p.Observer(), Middleware: mw,
		CallTimeout: 10 * time.Minute, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	payer := func(naive bool) *multisig.Payer {
		py, err := multisig.NewPayer(multisig.PayoutConfig{Pool: pool, Secret: testSecret, Chain: env.Daemon.Client(),
			Observer: p.Observer(), Middleware: mw, Naive: naive, CallTimeout: 10 * time.Minute, Logger: logger})
		if err != nil {
			t.Fatal(err)
		}
		return py
	}
	// The vendor's own wallet, where the release pays.
	own := env.Spare.Client()
	if err := own.CreateWallet(ctx, "own_vendor", "pw"); err != nil {
		t.Fatal(err)
	}
	payeeAddr, err := own.GetAddress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	sec.Add("payee address", payeeAddr)

	type escrowRun struct {
		e   multisig.Escrow
		res multisig.Result
	}
	var runs []escrowRun
	for i := range 2 {
		e := multisig.Escrow{ID: uuid.NewString(), Amount: 1_000_000_000_000 + uint64(i)*3_000_000_000}
		res, err := coord.Run(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		runs = append(runs, escrowRun{e, res})
	}
	good, bad := runs[0], runs[1]
	reqOf := func(r escrowRun) multisig.PayoutRequest {
		return multisig.PayoutRequest{EscrowID: r.e.ID, Phase: escrow.PhaseRelease, PayeeAddress: payeeAddr, Wallets: r.res.Wallets}
	}
	naive := payer(true)
	// A funding check that finds nothing is no phase of the trace.
	if f, err := payer(false).Funded(ctx, good.e.ID, good.res.Wallets, good.e.Amount); err != nil || f.Funded {
		t.Fatalf("Funded before funding = %+v, %v", f, err)
	}
	for _, r := range runs {
		if _, err := env.Faucet.Pay(ctx, r.res.Address, r.e.Amount); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := env.Faucet.Mine(ctx, chain.SpendableAge); err != nil {
		t.Fatal(err)
	}
	for _, r := range runs {
		f, err := payer(false).Funded(ctx, r.e.ID, r.res.Wallets, r.e.Amount)
		if err != nil || !f.Funded {
			t.Fatalf("Funded = %+v, %v", f, err)
		}
	}
	res, err := payer(false).Pay(ctx, reqOf(good))
	if err != nil {
		t.Fatal(err)
	}
	if res.SyncErr != nil {
		t.Errorf("post-spend sync: %v", res.SyncErr)
	}
	for _, h := range res.TxHashes {
		sec.Add("payout tx hash", h)
	}
	// The naive payout right after the funding check: its signers import
	// each other's exports without refresh. The funding snapshots refreshed
	// the vendor's and the arbiter's wallets but did not save them, so this
	// fails as it does with tracing off.
	_, naiveErr := naive.Pay(ctx, reqOf(bad))
	t.Logf("naive payout after funding: %v", naiveErr)
	var werr *walletrpc.Error
	if !errors.Is(naiveErr, walletrpc.ErrStaleData) && !errors.Is(naiveErr, walletrpc.ErrNotEnoughMoney) && !errors.Is(naiveErr, walletrpc.ErrImportNeeded) && !errors.As(naiveErr, &werr) {
		t.Fatalf("naive payout = %v, want the wallet's own refusal", naiveErr)
	}
	if err := p.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}

	// The released escrow's file.
	f, data := escrowtracetest.ReadFile(t, tracesDir, good.e.ID)
	if err := escrowtrace.Validate(data); err != nil {
		t.Error(err)
	}
	var names []escrow.Phase
	for _, ph := range f.Phases {
		names = append(names, ph.Name)
		if ph.Outcome != escrowtrace.OutcomeSuccess {
			t.Errorf("phase %s: outcome %s", ph.Name, ph.Outcome)
		}
	}
	if want := []escrow.Phase{escrow.PhaseSetup, escrow.PhaseFund, escrow.PhaseRelease}; !equalPhases(names, want) {
		t.Errorf("phases %v, want %v", names, want)
	}
	n := escrowtracetest.CountTypes(f)
	setupSnaps := 0
	for _, pt := range escrow.SetupPoints {
		setupSnaps += n[pt.Name()]
	}
	wantPayout := map[escrow.Point]int{escrow.PointFunded: 3, escrow.PointPreSync: 2, escrow.PointPostSync: 2, escrow.PointPostSign: 2, escrow.PointPayoutFinal: 3}
	if setupSnaps != 21 {
		t.Errorf("%d setup snapshots, want 21", setupSnaps)
	}
	for pt, want := range wantPayout {
		if n[pt.Name()] != want {
			t.Errorf("%s: %d events, want %d", pt.Name(), n[pt.Name()], want)
		}
	}
	escrowtracetest.CheckRPCPairs(t, f)
	for _, ev := range f.Events {
		pt, ok := escrow.PointByName(ev.Type)
		if !ok || pt.IsSetup() {
			continue
		}
		s := ev.Snapshot
		if s.Balance == nil || s.MultisigImportNeeded == nil || s.Height == nil || *s.Height == 0 || s.Error != "" {
			t.Errorf("%s %s snapshot lacks its chain fields: %+v", ev.Role, ev.Type, s)
			continue
		}
		t.Logf("%-8s %-7s %-22s balance %d unlocked %d import_needed %t height %d", ev.Phase, ev.Role, ev.Type, *s.Balance, *s.UnlockedBalance, *s.MultisigImportNeeded, *s.Height)
		switch pt {
		case escrow.PointFunded, escrow.PointPreSync, escrow.PointPostSync:
			if *s.Balance != good.e.Amount {
				t.Errorf("%s at %s: balance %d, want the funded %d", ev.Role, ev.Type, *s.Balance, good.e.Amount)
			}
		case escrow.PointPayoutFinal:
			if *s.Balance != 0 {
				t.Errorf("%s at %s: balance %d, want 0 after the payout", ev.Role, ev.Type, *s.Balance)
			}
		}
	}

	// The naive payout's file ends on its failed release.
	bf, bdata := escrowtracetest.ReadFile(t, tracesDir, bad.e.ID)
	if err := escrowtrace.Validate(bdata); err != nil {
		t.Error(err)
	}
	var badNames []escrow.Phase
	for _, ph := range bf.Phases {
		badNames = append(badNames, ph.Name)
	}
	if want := []escrow.Phase{escrow.PhaseSetup, escrow.PhaseFund, escrow.PhaseRelease}; !equalPhases(badNames, want) {
		t.Errorf("naive escrow: phases %v, want %v", badNames, want)
	}
	last := bf.Phases[len(bf.Phases)-1]
	if last.Name != escrow.PhaseRelease || last.Outcome != escrowtrace.OutcomeFailed || bf.Outcome != escrowtrace.OutcomeFailed ||
		bf.Error == nil || bf.Error.Kind != multisig.KindOf(naiveErr) {
		t.Errorf("naive escrow: last phase %+v, outcome %s, error %+v (want kind %s)", last, bf.Outcome, bf.Error, multisig.KindOf(naiveErr))
	}
	finalEv := bf.Events[len(bf.Events)-1]
	if finalEv.Type != escrowtrace.EventErrorFinal || finalEv.Context == nil || finalEv.Context.Phase != escrow.PhaseRelease ||
		finalEv.Context.EscrowID != bad.e.ID || finalEv.Context.Operation == "" {
		t.Errorf("naive escrow's last event %+v context %+v", finalEv, finalEv.Context)
	}
	t.Logf("naive escrow: phases %d, error %+v", len(bf.Phases), bf.Error)
	escrowtracetest.CheckRPCPairs(t, bf)
	// The cause is in the file: no refresh in the naive release phases.
	for _, ev := range bf.Events {
		if ev.Phase == escrow.PhaseRelease && ev.Method == "refresh" {
			t.Errorf("naive release phase has a refresh call: %+v", ev)
		}
	}

	// Jaeger: the setup's and the release's spans under the one trace ID.
	traceID, _ := escrow.TraceIDFor(good.e.ID)
	jctx, jcancel := context.WithTimeout(ctx, 2*time.Minute)
	defer jcancel()
	body, err := j.WaitTrace(jctx, traceID, 40)
	if err != nil {
		t.Fatal(err)
	}
	var a struct {
		Data []struct {
			TraceID string `json:"traceID"`
			Spans   []struct {
				TraceID       string `json:"traceID"`
				OperationName string `json:"operationName"`
			} `json:"spans"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &a); err != nil || len(a.Data) != 1 {
		t.Fatalf("Jaeger's answer: %v, %d traces", err, len(a.Data))
	}
	ops := map[string]bool{}
	for _, s := range a.Data[0].Spans {
		ops[s.OperationName] = true
		if s.TraceID != traceID {
			t.Errorf("span %s in trace %s", s.OperationName, s.TraceID)
		}
	}
	for _, op := range []string{escrowtrace.SpanNameEscrow, "escrow.fund", "escrow.release", "escrow.release.sign", "sign_multisig", "submit_multisig"} {
		if !ops[op] {
			t.Errorf("Jaeger has no %s span under trace %s", op, traceID)
		}
	}

	// Nothing of the money path's wire values anywhere.
	if kinds := sec.Kinds(); kinds["export_multisig_info result info"] == 0 || kinds["sign_multisig result tx_data_hex"] == 0 || kinds["transfer result multisig_txset"]+kinds["sweep_all result multisig_txset"] == 0 {
		t.Errorf("captured %v: the scan would prove little", kinds)
	}
	sec.Check(t, "released escrow's trace file", data)
	sec.Check(t, "naive escrow's trace file", bdata)
	sec.Check(t, "logs", logs.Bytes())
	sec.Check(t, "Jaeger's answer", body)

	var resolved []byte
	t.Run("tracing_off_costs_no_wallet_call", func(t *testing.T) {
		resolved = countPayoutCalls(t, ctx, env, coord, p, tracesDir)
	})

	if out := os.Getenv("ESCROWD_SAMPLE_DIR"); out != "" {
		for name, d := range map[string][]byte{"released.json": data, "naive_failed_release.json": bdata, "resolved_for_buyer.json": resolved} {
			if len(d) == 0 {
				continue
			}
			if err := os.WriteFile(filepath.Join(out, name), d, 0o644); err != nil {
				t.Error(err)
			}
		}
	}
}

func equalPhases(a, b []escrow.Phase) bool {
	return strings.Join(phaseStrings(a), ",") == strings.Join(phaseStrings(b), ",")
}

func phaseStrings(ps []escrow.Phase) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

// countPayoutCalls: the funding check and the payout cost the wallet servers
// no call more with tracing off than their own; with it on, exactly the
// snapshot reads come on top (is_multisig, get_address, get_balance and
// get_height per snapshot), and for the funding snapshots of the vendor and
// the arbiter the opening and refresh of their wallets. Two escrows are
// funded and paid, one with tracing off, one on, through a proxy that counts
// what the servers see.
//
// The payouts are disputes resolved for the buyer (the arbiter builds, the
// buyer signs); it returns the traced one's file.
func countPayoutCalls(t *testing.T, ctx context.Context, env *chaintest.Env, coord *multisig.Coordinator, on *trace.Provider, tracesDir string) []byte {
	proxy := &countingProxy{methods: map[string]int{}}
	var ext []*walletpool.Server
	for _, s := range env.Servers {
		user, pass := s.Client().Credentials()
		es, err := walletpool.NewExternal(ctx, walletpool.External{URL: proxy.wrap(t, s.URL()), Username: user, Password: pass})
		if err != nil {
			t.Fatal(err)
		}
		ext = append(ext, es)
	}
	pool := newPool(t, ext)
	off, err := trace.Setup(ctx, trace.Config{Enabled: false})
	if err != nil {
		t.Fatal(err)
	}
	type run struct {
		e   multisig.Escrow
		res multisig.Result
	}
	var runs []run
	for i := range 2 {
		e := multisig.Escrow{ID: uuid.NewString(), Amount: 2_000_000_000_000 + uint64(i)*1_000_000_000}
		res, err := coord.Run(ctx, e)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := env.Faucet.Pay(ctx, res.Address, e.Amount); err != nil {
			t.Fatal(err)
		}
		runs = append(runs, run{e, res})
	}
	if _, err := env.Faucet.Mine(ctx, chain.SpendableAge); err != nil {
		t.Fatal(err)
	}
	own := env.Spare.Client()
	if err := own.OpenWallet(ctx, "own_vendor", "pw"); err != nil {
		t.Fatal(err)
	}
	payee, err := own.GetAddress(ctx)
	if err != nil {
		t.Fatal(err)
	}
	counts := func(p *trace.Provider, r run) (fund, pay map[string]int) {
		py, err := multisig.NewPayer(multisig.PayoutConfig{Pool: pool, Secret: testSecret, Chain: env.Daemon.Client(),
			Observer: p.Observer(), Middleware: p.Middleware(), CallTimeout: 10 * time.Minute})
		if err != nil {
			t.Fatal(err)
		}
		proxy.take()
		if f, err := py.Funded(ctx, r.e.ID, r.res.Wallets, r.e.Amount); err != nil || !f.Funded {
			t.Fatalf("Funded = %+v, %v", f, err)
		}
		fund = proxy.take()
		if _, err := py.Pay(ctx, multisig.PayoutRequest{EscrowID: r.e.ID, Phase: escrow.PhaseResolve, Winner: escrow.Buyer, PayeeAddress: payee, Wallets: r.res.Wallets}); err != nil {
			t.Fatal(err)
		}
		return fund, proxy.take()
	}
	fundOff, payOff := counts(off, runs[0])
	fundOn, payOn := counts(on, runs[1])
	if want := map[string]int{"open_wallet": 1, "refresh": 1, "get_balance": 1, "close_wallet": 1}; !equalCounts(fundOff, want) {
		t.Errorf("funding check, tracing off: the servers saw %v, want exactly %v", fundOff, want)
	}
	wantFund := map[string]int{}
	for k, v := range fundOff {
		wantFund[k] = v
	}
	// Three snapshots; the vendor's and the arbiter's wallets opened,
	// refreshed and closed in turn.
	for k, v := range map[string]int{"is_multisig": 3, "get_address": 3, "get_balance": 3, "get_height": 3, "open_wallet": 2, "refresh": 2, "close_wallet": 2} {
		wantFund[k] += v
	}
	if !equalCounts(fundOn, wantFund) {
		t.Errorf("funding check, tracing on: the servers saw %v, want %v", fundOn, wantFund)
	}
	wantPay := map[string]int{}
	for k, v := range payOff {
		wantPay[k] = v
	}
	// Nine payout snapshots: PRE_SYNC, POST_SYNC and POST_SIGN of both
	// signers, PAYOUT_FINAL of all three.
	for _, k := range []string{"is_multisig", "get_address", "get_balance", "get_height"} {
		wantPay[k] += 9
	}
	if !equalCounts(payOn, wantPay) {
		t.Errorf("payout, tracing on: the servers saw %v, want %v (off: %v)", payOn, wantPay, payOff)
	}
	t.Logf("payout calls, tracing off: %v", payOff)
	if err := on.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	f, data := escrowtracetest.ReadFile(t, tracesDir, runs[1].e.ID)
	if err := escrowtrace.Validate(data); err != nil {
		t.Error(err)
	}
	var names []escrow.Phase
	for _, ph := range f.Phases {
		names = append(names, ph.Name)
	}
	if want := []escrow.Phase{escrow.PhaseSetup, escrow.PhaseFund, escrow.PhaseResolve}; !equalPhases(names, want) || f.Outcome != escrowtrace.OutcomeSuccess {
		t.Errorf("resolved escrow: phases %v outcome %s, want %v success", names, f.Outcome, want)
	}
	escrowtracetest.CheckRPCPairs(t, f)
	return data
}
