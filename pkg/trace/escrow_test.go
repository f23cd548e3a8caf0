package trace_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/escrowd/escrowd/internal/secretscan"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
	"github.com/escrowd/escrowd/pkg/trace"
)

var testSecret = []byte("trace-test-master-secret-of-32-bytes")

func newPool(t *testing.T, srv []*walletpool.Server) *walletpool.Pool {
	t.Helper()
	p, err := walletpool.NewPool(srv, walletpool.PoolOptions{MaxWaiters: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func setup(t *testing.T, dir string) *trace.Provider {
	t.Helper()
	p, err := trace.Setup(context.Background(), trace.Config{Enabled: true, File: true, FileDir: dir, IncludeOTLP: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = p.Shutdown(context.Background()) })
	return p
}

func TestSuccessfulEscrowFile(t *testing.T) {
	wallettest.Skip(t)
	dir := t.TempDir()
	p := setup(t, dir)
	// Captured: the multisig messages the wallets answer and are sent.
	var sec secretscan.Set
	capture := sec.Capture("multisig_info")
	c, err := multisig.New(multisig.Config{
		Pool: newPool(t, servers.Servers()[:3]), Secret: testSecret,
		Observer: p.Observer(),
		Middleware: func(next walletrpc.Invoker) walletrpc.Invoker {
			return p.Middleware()(capture(next))
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	e := multisig.Escrow{ID: uuid.NewString()}
	res, err := c.Run(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	f, data := escrowtracetest.ReadFile(t, dir, e.ID)

	wantTrace, _ := escrow.TraceIDFor(e.ID)
	if f.TraceID != wantTrace || f.EscrowID != e.ID || f.Outcome != escrowtrace.OutcomeSuccess || f.Error != nil {
		t.Fatalf("header: trace %s escrow %s outcome %s error %v", f.TraceID, f.EscrowID, f.Outcome, f.Error)
	}
	n := escrowtracetest.CountTypes(f)
	snapshots := 0
	for _, p := range escrow.SetupPoints {
		s := p.Name()
		if n[s] != 3 {
			t.Errorf("%s: %d events, want 3 (one per role)", s, n[s])
		}
		snapshots += n[s]
	}
	if snapshots != 21 {
		t.Errorf("%d snapshot events, want 21", snapshots)
	}
	// 12 setup calls per role (see multisig's TestLeasedOneEscrow); the
	// snapshot reads are observation and not spans of their own.
	if n[escrowtrace.EventRPCCallStart] != 36 || n[escrowtrace.EventRPCCallEnd] != 36 || n[escrowtrace.EventRPCCallError] != 0 {
		t.Errorf("rpc events: %v", n)
	}
	escrowtracetest.CheckRPCPairs(t, f)
	// Every role's final snapshot shows the one multisig address, ready 2/3,
	// and a keys file only its owner can read.
	for _, ev := range f.Events {
		if ev.Type != escrowtrace.EventSnapshotFinal {
			continue
		}
		s := ev.Snapshot
		if !s.IsMultisig || s.Ready == nil || !*s.Ready || *s.Threshold != 2 || *s.Total != 3 ||
			s.AddressHash != escrow.HashAddress(res.Address) || s.WalletFileMode != "0600" {
			t.Errorf("%s final snapshot %+v", ev.Role, s)
		}
	}
	for i, ev := range f.Events {
		if ev.Seq != i {
			t.Fatalf("event %d has seq %d", i, ev.Seq)
		}
	}

	for _, role := range escrow.Roles {
		sec.Add("wallet password", multisig.WalletPassword(testSecret, res.Wallets[role]))
	}
	sec.AddBytes("master secret", testSecret)
	sec.Add("multisig address", res.Address)
	for _, s := range servers.Servers()[:3] {
		user, pass := s.Client().Credentials()
		sec.Add("rpc user", user)
		sec.Add("rpc password", pass)
	}
	// Three wallet passwords, the master secret in four encodings, the
	// address, six credentials, and at least nine messages.
	if sec.Len() < 3+4+1+6+9 {
		t.Fatalf("captured only %d secrets; the scan would prove little", sec.Len())
	}
	// Each round's messages must be among them: prepare's (round 1 input),
	// make's and the exchanges'.
	kinds := sec.Kinds()
	for _, method := range []string{"prepare_multisig", "make_multisig", "exchange_multisig_keys"} {
		if n := kinds[method+" result multisig_info"]; n < 3 {
			t.Errorf("captured %d %s messages, want at least 3 (one per role)", n, method)
		}
	}
	sec.Check(t, "trace file", data)
}

// countingProxy stands in front of a real wallet server and counts the
// methods it is asked for: what the wallet server sees.
type countingProxy struct {
	mu      sync.Mutex
	methods map[string]int
}

func (c *countingProxy) wrap(t *testing.T, target string) string {
	u, err := url.Parse(target)
	if err != nil {
		t.Fatal(err)
	}
	rp := httputil.NewSingleHostReverseProxy(u)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		r.Body = io.NopCloser(bytes.NewReader(body))
		var req struct {
			Method string `json:"method"`
		}
		if json.Unmarshal(body, &req) == nil && req.Method != "" {
			c.mu.Lock()
			c.methods[req.Method]++
			c.mu.Unlock()
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

func (c *countingProxy) take() map[string]int {
	c.mu.Lock()
	defer c.mu.Unlock()
	m := c.methods
	c.methods = map[string]int{}
	return m
}

func runCounted(t *testing.T, p *trace.Provider, proxy *countingProxy, ext []*walletpool.Server) map[string]int {
	t.Helper()
	c, err := multisig.New(multisig.Config{Pool: newPool(t, ext), Secret: testSecret, Observer: p.Observer(), Middleware: p.Middleware()})
	if err != nil {
		t.Fatal(err)
	}
	proxy.take()
	if _, err := c.Run(context.Background(), multisig.Escrow{ID: uuid.NewString()}); err != nil {
		t.Fatal(err)
	}
	return proxy.take()
}

// TestTracingOffCostsNoWalletCall: with instrumentation off the wallet
// servers see exactly the setup's calls, and no file is written; with it on,
// exactly the snapshot reads come on top.
func TestTracingOffCostsNoWalletCall(t *testing.T) {
	wallettest.Skip(t)
	proxy := &countingProxy{methods: map[string]int{}}
	var ext []*walletpool.Server
	for _, s := range servers.Servers()[3:6] {
		user, pass := s.Client().Credentials()
		es, err := walletpool.NewExternal(context.Background(), walletpool.External{URL: proxy.wrap(t, s.URL()), Username: user, Password: pass})
		if err != nil {
			t.Fatal(err)
		}
		ext = append(ext, es)
	}

	offDir := filepath.Join(t.TempDir(), "traces")
	off, err := trace.Setup(context.Background(), trace.Config{Enabled: false, File: true, FileDir: offDir})
	if err != nil {
		t.Fatal(err)
	}
	got := runCounted(t, off, proxy, ext)
	want := map[string]int{
		"create_wallet": 3, "prepare_multisig": 3, "make_multisig": 3, "exchange_multisig_keys": 6,
		"store": 9, "is_multisig": 9, "get_address": 3, "close_wallet": 3,
	}
	if !equalCounts(got, want) {
		t.Fatalf("tracing off: the wallet servers saw %v, want exactly the setup %v", got, want)
	}
	if _, err := os.Stat(offDir); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("tracing off created %s (err %v)", offDir, err)
	}

	on := setup(t, t.TempDir())
	gotOn := runCounted(t, on, proxy, ext)
	// Each of the 21 snapshots reads is_multisig, get_address and get_balance.
	want["is_multisig"] += 21
	want["get_address"] += 21
	want["get_balance"] += 21
	if !equalCounts(gotOn, want) {
		t.Fatalf("tracing on: the wallet servers saw %v, want %v", gotOn, want)
	}
}

func equalCounts(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestSharedRaceWritesFailedFile forces the shared-mode race and checks that
// the failed escrow's file says what, where and why.
func TestSharedRaceWritesFailedFile(t *testing.T) {
	wallettest.Skip(t)
	dir := t.TempDir()
	p := setup(t, dir)
	srv := servers.Servers()[6]
	defer srv.Client().CloseWallet(context.Background())
	c, err := multisig.New(multisig.Config{Mode: multisig.ModeShared, Server: srv, Secret: testSecret,
		Barrier: multisig.NewBarrier(2, time.Minute), Observer: p.Observer(), Middleware: p.Middleware()})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{uuid.NewString(), uuid.NewString()}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = c.Run(context.Background(), multisig.Escrow{ID: ids[i]}) }()
	}
	wg.Wait()
	failed := 0
	for i, id := range ids {
		if errs[i] == nil {
			continue
		}
		failed++
		f, _ := escrowtracetest.ReadFile(t, dir, id)
		if f.Outcome != escrowtrace.OutcomeFailed || f.Error == nil {
			t.Fatalf("escrow %s: outcome %s error %v", id, f.Outcome, f.Error)
		}
		var se *multisig.StepError
		if !errors.As(errs[i], &se) {
			t.Fatalf("%v is not a StepError", errs[i])
		}
		n := escrowtracetest.CountTypes(f)
		if n[escrowtrace.EventErrorFinal] != 1 {
			t.Fatalf("%d ERROR_FINAL events", n[escrowtrace.EventErrorFinal])
		}
		last := f.Events[len(f.Events)-1]
		if last.Type != escrowtrace.EventErrorFinal || last.Context == nil ||
			last.Context.EscrowID != id || last.Context.Operation != se.Operation ||
			last.Context.Round != int(se.Round) || last.Context.WalletID != se.WalletID || last.Role != string(se.Role) {
			t.Fatalf("ERROR_FINAL %+v (context %+v) does not match %v", last, last.Context, errs[i])
		}
		if errors.Is(errs[i], walletrpc.ErrAlreadyMultisig) && n[escrowtrace.EventRPCCallError] == 0 {
			t.Fatalf("a wallet error without RPC_CALL_ERROR: %v", n)
		}
		escrowtracetest.CheckRPCPairs(t, f)
	}
	if failed == 0 {
		t.Fatal("the forced race failed no escrow")
	}
}

func TestConcurrentEscrowsSeparateFiles(t *testing.T) {
	wallettest.Skip(t)
	if testing.Short() {
		t.Skip("three real escrows")
	}
	dir := t.TempDir()
	p := setup(t, dir)
	c, err := multisig.New(multisig.Config{Pool: newPool(t, servers.Servers()), Secret: testSecret, Observer: p.Observer(), Middleware: p.Middleware()})
	if err != nil {
		t.Fatal(err)
	}
	ids := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	var wg sync.WaitGroup
	errs := make([]error, len(ids))
	for i := range ids {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = c.Run(context.Background(), multisig.Escrow{ID: ids[i]}) }()
	}
	wg.Wait()
	for i, id := range ids {
		if errs[i] != nil {
			t.Fatal(errs[i])
		}
		f, _ := escrowtracetest.ReadFile(t, dir, id)
		if f.Outcome != escrowtrace.OutcomeSuccess || len(f.Events) != 36*2+21 {
			t.Fatalf("%s: outcome %s, %d events", id, f.Outcome, len(f.Events))
		}
		for _, ev := range f.Events {
			if ev.Type == escrowtrace.EventRPCCallStart && !strings.HasPrefix(ev.Endpoint, "127.0.0.1:") {
				t.Fatalf("endpoint %q", ev.Endpoint)
			}
		}
	}
	entries, _ := os.ReadDir(dir)
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if len(names) != 3 {
		t.Fatalf("files %v, want exactly three", names)
	}
}
