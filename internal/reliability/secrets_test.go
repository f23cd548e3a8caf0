package reliability_test

import (
	"context"
	"net/netip"
	"net/url"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/escrowd/escrowd/internal/jaegertest"
	"github.com/escrowd/escrowd/internal/osprobe"
	"github.com/escrowd/escrowd/internal/secretscan"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/trace"
)

// TestSecretsNeverLeak runs a full escrow and a forced shared-mode failure
// with every output on (trace files with their OTLP section, OTLP into a real
// Jaeger, all logs at debug) and scans what came out for every secret of the
// run; then checks the modes of what is on disk and that the wallet servers
// listen on loopback only.
func TestSecretsNeverLeak(t *testing.T) {
	if testing.Short() {
		t.Skip("real wallet servers and Jaeger: skipped under -short")
	}
	wallettest.Skip(t)
	j := jaegertest.Start(t)

	var logs logBuffer
	logger := logs.logger()
	root := t.TempDir()
	walletDir, logDir, tracesDir := filepath.Join(root, "wallets"), filepath.Join(root, "logs"), filepath.Join(root, "traces")
	ctx := context.Background()
	sup, err := walletpool.StartSupervisor(ctx, walletpool.SupervisorConfig{Count: 4, WalletDir: walletDir, LogDir: logDir, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sup.Stop(context.Background()) })
	srv := sup.Servers()

	spans := tracetest.NewSpanRecorder()
	p := setupTracing(t, trace.Config{File: true, FileDir: tracesDir, IncludeOTLP: true,
		OTLP: true, OTLPEndpoint: "http://" + j.OTLPEndpoint(), SpanProcessors: []sdktrace.SpanProcessor{spans}, Logger: logger})
	installGlobal(t, p)

	// Captured on the wire: passwords sent, multisig_info exchanged
	// (prepare_multisig, make_multisig, both exchange rounds), addresses.
	var sec secretscan.Set
	mw := chain(p.Middleware(), sec.Capture("password", "multisig_info", "address"))
	leased, err := multisig.New(multisig.Config{Pool: newPool(t, srv[:3], walletpool.PoolOptions{}), Secret: testSecret,
		Observer: p.Observer(), Middleware: mw, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	shared, err := multisig.New(multisig.Config{Mode: multisig.ModeShared, Server: srv[3], Secret: testSecret,
		Barrier: multisig.NewBarrier(2, time.Minute), Observer: p.Observer(), Middleware: mw, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	full, raceA, raceB := newEscrow(), newEscrow(), newEscrow()
	var wg sync.WaitGroup
	var fullRes multisig.Result
	var fullErr error
	raceErrs := make([]error, 2)
	wg.Go(func() { fullRes, fullErr = leased.Run(ctx, full) })
	for i, e := range []multisig.Escrow{raceA, raceB} {
		wg.Go(func() { _, raceErrs[i] = shared.Run(ctx, e) })
	}
	wg.Wait()
	if fullErr != nil {
		t.Fatalf("full escrow: %v", fullErr)
	}
	if raceErrs[0] == nil && raceErrs[1] == nil {
		t.Fatal("the forced shared-mode race failed no escrow")
	}
	if err := p.ForceFlush(ctx); err != nil {
		t.Fatalf("flush to Jaeger: %v", err)
	}

	// The secrets: what was captured on the wire, plus what the run holds.
	sec.AddBytes("master secret", testSecret)
	sec.Add("multisig address", fullRes.Address)
	for _, e := range []multisig.Escrow{full, raceA, raceB} {
		for _, role := range escrow.Roles {
			sec.Add("wallet password", multisig.WalletPassword(testSecret, escrow.WalletName(e.ID, role)))
		}
	}
	for _, s := range srv {
		user, pass := s.Client().Credentials()
		sec.Add("rpc user", user)
		sec.Add("rpc password", pass)
	}
	// Three escrows' passwords (9), four servers' credentials (8), the
	// master secret raw, hex, base64 and base64url (4), and the
	// multisig_info of at least the full escrow's four messages per role (12).
	if sec.Len() < 9+8+4+12 {
		t.Fatalf("captured only %d secrets (%v); the scan would prove little", sec.Len(), sec.Kinds())
	}

	// Trace files.
	files := osprobe.Files(t, tracesDir)
	for _, f := range files {
		sec.Check(t, "trace file "+filepath.Base(f.Path), f.Data)
	}
	if len(files) != 3 {
		t.Fatalf("%d trace files, want 3", len(files))
	}
	// Jaeger's answers, v1 (the UI's) and v3, once each trace is whole.
	ids := []string{full.ID, raceA.ID, raceB.ID}
	for _, id := range ids {
		tid, _ := escrow.TraceIDFor(id)
		v1, err := j.WaitTrace(ctx, tid, spanCount(spans, tid))
		if err != nil {
			t.Fatal(err)
		}
		sec.Check(t, "Jaeger /api/traces/"+tid, v1)
		v3, status, err := j.TraceV3(ctx, tid)
		if err != nil || status != 200 {
			t.Fatalf("Jaeger v3 %s: %d %v", tid, status, err)
		}
		sec.Check(t, "Jaeger /api/v3/traces/"+tid, v3)
	}
	// Logs: escrowd's own (supervisor, coordinator, tracing, exporters at
	// debug), and the wallet servers' log files.
	if len(logs.Bytes()) == 0 {
		t.Fatal("no log captured")
	}
	sec.Check(t, "escrowd log", logs.Bytes())
	// monero-wallet-rpc itself logs "Loaded wallet keys file, with public
	// address: ..." at WARNING on every open_wallet (the supervisor runs it
	// at --log-level 0, which keeps warnings): its log, in the 0700 log
	// directory, may name addresses, never passwords, keys or credentials.
	addrInServerLogs := 0
	for _, f := range osprobe.Files(t, logDir) {
		addrInServerLogs += sec.Check(t, "wallet server log "+filepath.Base(f.Path), f.Data, "address")
	}
	t.Logf("wallet server logs name %d wallet addresses (monero's own open_wallet line)", addrInServerLogs)

	checkModes(t, walletDir, logDir, tracesDir)
	for _, s := range srv {
		checkLoopbackOnly(t, s)
	}
	t.Logf("scanned 3 trace files, %d Jaeger answers, %d bytes of log for %d secrets %v",
		2*len(ids), len(logs.Bytes()), sec.Len(), sec.Kinds())
}

func spanCount(rec *tracetest.SpanRecorder, traceID string) int {
	n := 0
	for _, s := range rec.Ended() {
		if s.SpanContext().TraceID().String() == traceID {
			n++
		}
	}
	return n
}

// checkModes: wallet and log directories 0700, wallet files (keys and
// cache) readable by their owner only, trace files 0640 or tighter.
func checkModes(t *testing.T, walletDir, logDir, tracesDir string) {
	t.Helper()
	osprobe.CheckPerm(t, walletDir, 0o700)
	osprobe.CheckPerm(t, logDir, 0o700)
	keys := 0
	for _, f := range osprobe.Files(t, walletDir) {
		if strings.HasSuffix(f.Path, ".keys") {
			keys++
			osprobe.CheckPerm(t, f.Path, 0o600)
		}
		osprobe.CheckPermWithin(t, "wallet file", f.Path, 0o700)
	}
	if keys < 6 {
		t.Errorf("%d keys files checked, want at least the six wallets'", keys)
	}
	for _, f := range osprobe.Files(t, tracesDir) {
		osprobe.CheckPermWithin(t, "trace file", f.Path, 0o640)
	}
}

// checkLoopbackOnly requires every TCP socket the server's process listens
// on to be bound to 127.0.0.1 (not merely loopback), and the server's own
// port to be among them.
func checkLoopbackOnly(t *testing.T, s *walletpool.Server) {
	t.Helper()
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	ls, err := osprobe.Listeners(s.PID())
	if err != nil {
		t.Fatal(err)
	}
	localhost := netip.MustParseAddr("127.0.0.1")
	found := false
	for _, l := range ls {
		if l.Local.Addr() != localhost {
			t.Errorf("server %s (pid %d) listens on %s: not 127.0.0.1", s.ID(), s.PID(), l)
		}
		if int(l.Local.Port()) == port {
			found = true
		}
	}
	if !found {
		t.Errorf("server %s: no listening socket of pid %d on its port %d found", s.ID(), s.PID(), port)
	}
}
