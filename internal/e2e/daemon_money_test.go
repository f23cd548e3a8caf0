package e2e

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/internal/chaintest"
	"github.com/escrowd/escrowd/internal/daemontest"
	"github.com/escrowd/escrowd/internal/jaegertest"
	"github.com/escrowd/escrowd/internal/secretscan"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
	"github.com/escrowd/escrowd/pkg/moneroaddr"
	"github.com/escrowd/escrowd/pkg/trace"
)

// moneyTimeout bounds the whole money test: monerod, the faucet's priming
// (hundreds of blocks), a setup, a funding and a payout on a loaded
// two-core machine. A guard against a hang, never a measurement.
const moneyTimeout = 25 * time.Minute

// moneyAmount is what the escrow holds (1 XMR in atomic units).
const moneyAmount = 1_000_000_000_000

// payeeAddress is a mainnet address (regtest's prefixes) of keys the test
// makes itself: valid curve points, so that the wallet pays to it.
func payeeAddress(t *testing.T) string {
	t.Helper()
	var a moneroaddr.Address
	a.Network, a.Kind = moneroaddr.Mainnet, moneroaddr.Standard
	for _, k := range []*[moneroaddr.KeySize]byte{&a.SpendKey, &a.ViewKey} {
		pub, _, err := ed25519.GenerateKey(rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		copy(k[:], pub)
	}
	s := a.String()
	if err := moneroaddr.Validate(s, moneroaddr.Mainnet); err != nil {
		t.Fatalf("the test's payee address: %v", err)
	}
	return s
}

// moneyAnswer is the part of the API's escrow view the money test reads.
type moneyAnswer struct {
	escrowAnswer
	Balance *uint64 `json:"balance"`
	Payout  *struct {
		Phase  string `json:"phase"`
		ToRole string `json:"to_role"`
		TxHash string `json:"tx_hash"`
		Amount uint64 `json:"amount"`
		Fee    uint64 `json:"fee"`
	} `json:"payout"`
}

// postEscrow sends a POST (JSON, if empty) with the caller's traceparent and decodes a 200 answer;
// other codes are returned with the body.
func (p *escrowdProc) postEscrow(ctx context.Context, path, body string, caller callerContext) (moneyAnswer, int, []byte, error) {
	code, b, err := p.do(ctx, http.MethodPost, path, body, http.Header{"Traceparent": {caller.Traceparent()}, "Content-Type": {"application/json"}})
	if err != nil || code != http.StatusOK {
		return moneyAnswer{}, code, b, err
	}
	var a moneyAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return moneyAnswer{}, code, b, fmt.Errorf("POST %s: decode %s: %w", path, b, err)
	}
	return a, code, b, nil
}

// TestDaemonMoneyTraceInJaeger is issue 16's Done-when through the escrowd
// binary, with its embedded regtest chain and the real Jaeger: an escrow
// made with the test's own payee addresses is funded (POST /fund?wait=) and
// released (POST /release?wait=), each request carrying a traceparent of its
// own. Then:
//   - the trace file GET /api/escrow/:id/trace serves validates, has the
//     phases setup, fund and release, the 21 setup snapshots and the payout
//     snapshots of both signers, balances equal to the amount before the
//     payout and 0 after;
//   - Jaeger has the setup, fund and release root spans under the escrow's
//     one trace ID, the release linking to its request's server span, and the
//     payer's daemon call (get_height after submit) as a span of the release;
//     the request's own trace has the get_transactions of the answer's
//     confirmations, the transaction by escrow.HashTxID;
//   - none of the payee addresses, the payout's tx hash or the tx set kept in
//     escrowd's database is in the file, escrowd's log, Jaeger's answers, the
//     API's trace endpoint or the UI's escrow page.
//
// One escrowd start: the chain, the faucet's priming and the payout are the
// slow part of the machine's day.
func TestDaemonMoneyTraceInJaeger(t *testing.T) {
	skipShort(t)
	chaintest.Skip(t)
	start := time.Now() // for the log only
	bin := buildEscrowd(t)
	j := jaegertest.Start(t)
	dir := t.TempDir()
	args := []string{
		"--listen", "127.0.0.1:0",
		"--data-dir", filepath.Join(dir, "data"),
		"--traces-dir", filepath.Join(dir, "traces"),
		"--pool-size", "3", "--reserve", "0",
	}
	d := startMoneyEscrowd(t, bin, j, args)
	t.Logf("escrowd with its regtest chain ready after %v", time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), moneyTimeout)
	defer cancel()
	var sec secretscan.Set
	buyerAddr, vendorAddr := payeeAddress(t), payeeAddress(t)
	sec.Add("buyer payee address", buyerAddr)
	sec.Add("vendor payee address", vendorAddr)

	initCaller, fundCaller, releaseCaller := newCallerContext(), newCallerContext(), newCallerContext()
	body := fmt.Sprintf(`{"buyer_id":"buyer-money","vendor_id":"vendor-money","amount":%d,"buyer_address":%q,"vendor_address":%q}`,
		moneyAmount, buyerAddr, vendorAddr)
	a, code, raw, err := d.postEscrow(ctx, "/api/escrow/init?wait=10m", body, initCaller)
	if err != nil || code != http.StatusOK || a.Status != "ready" {
		t.Fatalf("init: HTTP %d %v: %s", code, err, raw)
	}
	id := a.EscrowID
	traceID, err := escrow.TraceIDFor(id)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("escrow %s ready after %v", id, time.Since(start).Round(time.Millisecond))

	// The faucet primes in the background after /readyz: until it has
	// coins, fund answers 502 and leaves the escrow as it was. Polled.
	for {
		a, code, raw, err = d.postEscrow(ctx, "/api/escrow/"+id+"/fund?wait=10m", "", fundCaller)
		if err != nil {
			t.Fatal(err)
		}
		if code == http.StatusOK {
			break
		}
		if code != http.StatusBadGateway {
			t.Fatalf("fund: HTTP %d: %s", code, raw)
		}
		select {
		case <-ctx.Done():
			t.Fatalf("fund: the faucet never funded: HTTP %d: %s", code, raw)
		case <-time.After(5 * time.Second): // polling the faucet's priming
		}
	}
	if a.Status != "funded" || a.Balance == nil || *a.Balance != moneyAmount {
		t.Fatalf("fund: %s", raw)
	}
	t.Logf("funded after %v", time.Since(start).Round(time.Millisecond))

	a, code, raw, err = d.postEscrow(ctx, "/api/escrow/"+id+"/release?wait=10m", "", releaseCaller)
	if err != nil || code != http.StatusOK || a.Status != "released" || a.Payout == nil || len(a.Payout.TxHash) != 64 ||
		a.Payout.ToRole != "vendor" || a.Payout.Amount+a.Payout.Fee != moneyAmount {
		t.Fatalf("release: HTTP %d %v: %s", code, err, raw)
	}
	sec.Add("payout tx hash", a.Payout.TxHash)
	t.Logf("released after %v", time.Since(start).Round(time.Millisecond))

	served, err := d.traceFile(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	code, uiPage, err := d.do(ctx, http.MethodGet, "/ui/escrow/"+id, "", nil)
	if err != nil || code != http.StatusOK || !strings.Contains(string(uiPage), id) || !strings.Contains(string(uiPage), "release") {
		t.Fatalf("GET /ui/escrow/%s: HTTP %d %v: want the escrow's page with its release", id, code, err)
	}
	_, uiList, err := d.do(ctx, http.MethodGet, "/ui/", "", nil)
	if err != nil {
		t.Fatal(err)
	}

	d.terminate()
	t.Logf("escrowd stopped after %v", time.Since(start).Round(time.Millisecond))

	// The transaction set the payout kept in escrowd's database.
	st, err := store.Open(ctx, filepath.Join(dir, "data", "escrowd.db"))
	if err != nil {
		t.Fatal(err)
	}
	rec, err := st.PayoutRecord(ctx, id)
	st.Close()
	if err != nil {
		t.Fatal(err)
	}
	if rec.Stage != store.StageSubmitted || len(rec.TxSet) < 1000 || !slices.Contains(rec.TxHashes, a.Payout.TxHash) {
		t.Fatalf("payout record: stage %s, tx set of %d characters, hashes %d (want submitted, a set, the API's hash)", rec.Stage, len(rec.TxSet), len(rec.TxHashes))
	}
	sec.Add("payout tx set", rec.TxSet)
	// A part of it is as telling as the whole.
	sec.Add("payout tx set (head)", rec.TxSet[:64])
	sec.Add("payout tx set (middle)", rec.TxSet[len(rec.TxSet)/2:len(rec.TxSet)/2+64])
	for _, h := range rec.TxHashes {
		sec.Add("payout tx hash (stored)", h)
	}

	t.Run("trace file", func(t *testing.T) { checkMoneyFile(t, served, id, traceID, dir) })

	// Jaeger: everything was exported at shutdown; polled until the store
	// answers with the three phases' spans.
	body2, err := j.WaitTrace(ctx, traceID, 60)
	if err != nil {
		t.Fatal(err)
	}
	var jaegerBodies [][]byte
	jaegerBodies = append(jaegerBodies, body2)
	t.Run("jaeger", func(t *testing.T) {
		bodies := checkMoneyJaeger(t, ctx, j, body2, traceID, releaseCaller, a.Payout.TxHash)
		jaegerBodies = append(jaegerBodies, bodies...)
	})

	t.Run("secret scan", func(t *testing.T) {
		k := sec.Kinds()
		for _, kind := range []string{"buyer payee address", "vendor payee address", "payout tx hash", "payout tx set", "payout tx set (middle)"} {
			if k[kind] != 1 {
				t.Fatalf("looking for %v: no %q, the scan would prove little", k, kind)
			}
		}
		sec.Check(t, "trace file (API)", served)
		disk, err := os.ReadFile(filepath.Join(dir, "traces", "escrow_"+id+".json"))
		if err != nil {
			t.Fatal(err)
		}
		sec.Check(t, "trace file (disk)", disk)
		sec.Check(t, "escrowd's log", []byte(d.Log()))
		sec.Check(t, "UI escrow page", uiPage)
		sec.Check(t, "UI list page", uiList)
		for i, b := range jaegerBodies {
			sec.Check(t, fmt.Sprintf("Jaeger's answer %d", i), b)
		}
	})
}

// startMoneyEscrowd runs escrowd with its embedded regtest chain and
// tracing to j, exported once at shutdown (see tracedEscrowd).
func startMoneyEscrowd(t *testing.T, bin string, j *jaegertest.Jaeger, args []string) *escrowdProc {
	t.Helper()
	p := daemontest.Start(t, daemontest.Options{Binary: bin, Args: args, Clean: true, Chain: true,
		StopTimeout: daemonStopTimeout, Env: []string{
			"ENABLE_INSTRUMENTATION=1",
			"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
			"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + j.OTLPHTTPEndpoint(),
			"OTEL_BSP_SCHEDULE_DELAY=3600000",
			"OTEL_BSP_MAX_QUEUE_SIZE=16384",
			"OTEL_BSP_MAX_EXPORT_BATCH_SIZE=16384",
		}})
	return &escrowdProc{Proc: p, t: t, url: p.URL}
}

// checkMoneyFile holds the served trace file to issue 16's Done-when.
func checkMoneyFile(t *testing.T, data []byte, id, traceID, dir string) {
	if err := escrowtrace.Validate(data); err != nil {
		t.Errorf("schema: %v", err)
	}
	f, _, err := analysis.Parse(data)
	if err != nil {
		t.Fatal(err)
	}
	if f.EscrowID != id || f.TraceID != traceID {
		t.Fatalf("file of escrow %s trace %s, want %s %s", f.EscrowID, f.TraceID, id, traceID)
	}
	var names []string
	for _, ph := range f.Phases {
		names = append(names, string(ph.Name))
		if ph.Outcome != escrowtrace.OutcomeSuccess {
			t.Errorf("phase %s: outcome %s", ph.Name, ph.Outcome)
		}
	}
	if want := []string{"setup", "fund", "release"}; !slices.Equal(names, want) {
		t.Errorf("phases %v, want %v", names, want)
	}
	n := escrowtracetest.CountTypes(f)
	if s := escrowtracetest.SetupSnapshots(n); s != 21 {
		t.Errorf("%d setup snapshots, want 21", s)
	}
	// The funding check snapshots the three wallets; the release's two
	// signers (vendor and buyer) are snapshotted at each payout point, and
	// all three at the end.
	want := map[escrow.Point]int{escrow.PointFunded: 3, escrow.PointPreSync: 2, escrow.PointPostSync: 2, escrow.PointPostSign: 2, escrow.PointPayoutFinal: 3}
	for pt, w := range want {
		if n[pt.Name()] != w {
			t.Errorf("%s: %d events, want %d", pt.Name(), n[pt.Name()], w)
		}
	}
	escrowtracetest.CheckRPCPairs(t, f)
	// The payer's daemon call is no wallet call of the file's timeline
	// (Jaeger has it; the file's otlp section, off by default, would too).
	for _, ev := range f.Events {
		if ev.Role == "" && (ev.Method == "get_height" || ev.Method == "get_transactions") {
			t.Errorf("a daemon call among the timeline's wallet calls: %+v", ev)
		}
	}
	for _, ev := range f.Events {
		pt, ok := escrow.PointByName(ev.Type)
		if !ok || pt.IsSetup() {
			continue
		}
		s := ev.Snapshot
		if s == nil || s.Balance == nil || s.Error != "" {
			t.Errorf("%s %s: snapshot without its balance: %+v", ev.Role, ev.Type, s)
			continue
		}
		switch pt {
		case escrow.PointFunded, escrow.PointPreSync, escrow.PointPostSync:
			if *s.Balance != moneyAmount {
				t.Errorf("%s at %s: balance %d, want the funded %d", ev.Role, ev.Type, *s.Balance, moneyAmount)
			}
		case escrow.PointPayoutFinal:
			if *s.Balance != 0 {
				t.Errorf("%s at %s: balance %d, want 0 after the payout", ev.Role, ev.Type, *s.Balance)
			}
		}
	}
	t.Logf("file: phases %v, %v", names, n)
}

// checkMoneyJaeger: the escrow's trace holds the setup, fund and release
// root spans (no parent), the release linked to the server span of the
// request that asked for it, and the payer's get_height as a span of the
// release. It returns the other answers it read, for the secret scan.
func checkMoneyJaeger(t *testing.T, ctx context.Context, j *jaegertest.Jaeger, body []byte, traceID string, caller callerContext, txHash string) [][]byte {
	tr, err := decodeV1(body)
	if err != nil {
		t.Fatal(err)
	}
	refs, err := v1References(body)
	if err != nil {
		t.Fatal(err)
	}
	byID := map[string]v1Span{}
	roots := map[string]v1Span{}
	for _, s := range tr.Spans {
		if s.TraceID != traceID {
			t.Errorf("span %s (%s) in trace %s, want %s", s.SpanID, s.OperationName, s.TraceID, traceID)
		}
		byID[s.SpanID] = s
		parent := false
		for _, r := range refs[s.SpanID] {
			parent = parent || r.RefType == "CHILD_OF"
		}
		if !parent {
			roots[s.OperationName] = s
		}
	}
	for _, name := range []string{escrowtrace.SpanNameEscrow, trace.SpanNamePhasePrefix + "fund", trace.SpanNamePhasePrefix + "release"} {
		if _, ok := roots[name]; !ok {
			t.Errorf("Jaeger has no root span %s under trace %s; roots %v", name, traceID, slices.Sorted(func(yield func(string) bool) {
				for k := range roots {
					if !yield(k) {
						return
					}
				}
			}))
		}
	}
	if len(roots) != 3 {
		t.Errorf("%d root spans in the escrow's trace, want 3 (setup, fund, release)", len(roots))
	}

	// The release's link to its request. The request's answer showed the
	// payout's confirmations: a get_transactions of its own under the
	// request's server span, the transaction by its hash's hash.
	reqBody, err := j.WaitTrace(ctx, caller.TraceID, 2)
	if err != nil {
		t.Fatal(err)
	}
	req, err := decodeV1(reqBody)
	if err != nil {
		t.Fatal(err)
	}
	var server v1Span
	for _, s := range req.Spans {
		if k, _ := s.tag("span.kind"); k == "server" && strings.HasSuffix(s.OperationName, "/release") {
			server = s
		}
	}
	if server.SpanID == "" {
		t.Fatalf("the release request's trace %s has no server span of the release", caller.TraceID)
	}
	confirmations := 0
	for _, s := range req.Spans {
		if s.OperationName != trace.SpanNameDaemonPrefix+"get_transactions" {
			continue
		}
		confirmations++
		if h, _ := s.tag(trace.AttrTxHashHash); !strings.Contains(h, escrow.HashTxID(txHash)) {
			t.Errorf("the confirmations' get_transactions span: %s = %q, want the payout's %s", trace.AttrTxHashHash, h, escrow.HashTxID(txHash))
		}
	}
	if confirmations == 0 {
		t.Errorf("the release request's trace has no %sget_transactions span (the answer's confirmations)", trace.SpanNameDaemonPrefix)
	}
	release := roots[trace.SpanNamePhasePrefix+"release"]
	wantLink := v1Ref{RefType: "FOLLOWS_FROM", TraceID: caller.TraceID, SpanID: server.SpanID}
	if got := refs[release.SpanID]; !slices.Contains(got, wantLink) {
		t.Errorf("the release's root span references %+v, want %+v", got, wantLink)
	}

	// The payer's own daemon call after the submit, within the release.
	var daemonSpans int
	for _, s := range tr.Spans {
		if !strings.HasPrefix(s.OperationName, trace.SpanNameDaemonPrefix) {
			continue
		}
		daemonSpans++
		if ph, _ := s.tag(escrowtrace.AttrEscrowPhase); ph != "release" {
			t.Errorf("daemon span %s: escrow.phase %q, want release", s.OperationName, ph)
		}
		if k, _ := s.tag("span.kind"); k != "client" {
			t.Errorf("daemon span %s: span.kind %q, want client", s.OperationName, k)
		}
		if _, ok := s.tag(escrowtrace.AttrRPCMethod); ok {
			t.Errorf("daemon span %s carries rpc.method: the file would take it for a wallet call", s.OperationName)
		}
		// Its ancestors lead to the release's root.
		cur, hops := s, 0
		for cur.SpanID != release.SpanID && hops < 10 {
			var next string
			for _, r := range refs[cur.SpanID] {
				if r.RefType == "CHILD_OF" {
					next = r.SpanID
				}
			}
			cur, hops = byID[next], hops+1
		}
		if cur.SpanID != release.SpanID {
			t.Errorf("daemon span %s is not within the release phase", s.OperationName)
		}
	}
	if daemonSpans == 0 || roots[trace.SpanNameDaemonPrefix+"get_height"].SpanID != "" {
		t.Errorf("%d daemon spans in the release (want the get_height after submit, not as a root)", daemonSpans)
	}
	t.Logf("Jaeger: %d spans, roots %d, daemon spans %d", len(tr.Spans), len(roots), daemonSpans)
	return [][]byte{reqBody}
}
