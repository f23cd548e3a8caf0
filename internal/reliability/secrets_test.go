package reliability_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/escrowd/escrowd/internal/jaegertest"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
	"github.com/escrowd/escrowd/pkg/trace"
)

// secretSet is every secret a run handled, to scan its output for.
type secretSet struct {
	mu     sync.Mutex
	values map[string]string // value -> what it is
	kinds  map[string]int
}

func (s *secretSet) add(what, v string) {
	// Shorter values would match by chance; every real secret here is
	// 32+ characters (passwords, keys) or a 95-character address.
	if len(v) < 8 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values, s.kinds = map[string]string{}, map[string]int{}
	}
	if _, ok := s.values[v]; !ok {
		s.kinds[what]++
	}
	s.values[v] = what
}

// secretKeys are the JSON fields of wallet RPC params and results that carry
// key material or what identifies the funds.
var secretKeys = map[string]bool{"password": true, "multisig_info": true, "address": true}

// capture is middleware that records, from every call's params and result,
// the values under secretKeys: passwords sent, multisig_info exchanged
// (prepare_multisig, make_multisig, both exchange rounds), addresses.
func (s *secretSet) capture(next walletrpc.Invoker) walletrpc.Invoker {
	return func(ctx context.Context, call *walletrpc.Call) error {
		err := next(ctx, call)
		for _, v := range []any{call.Params, call.Result} {
			if v == nil {
				continue
			}
			data, merr := json.Marshal(v)
			if merr != nil {
				continue
			}
			var tree any
			if json.Unmarshal(data, &tree) == nil {
				s.walk(call.Method, "", tree)
			}
		}
		return err
	}
}

func (s *secretSet) walk(method, key string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			s.walk(method, k, x)
		}
	case []any:
		for _, x := range v {
			s.walk(method, key, x)
		}
	case string:
		if secretKeys[key] {
			s.add(method+" "+key, v)
		}
	}
}

// scan reports every secret found in data.
func (s *secretSet) scan(t *testing.T, where string, data []byte) {
	t.Helper()
	s.scanExcept(t, where, data, func(string) bool { return false })
}

// isAddress tells wallet addresses from the other secrets.
func isAddress(what string) bool { return strings.HasSuffix(what, "address") }

// scanExcept reports every secret found in data but those skip accepts, and
// returns how many of those it skipped.
func (s *secretSet) scanExcept(t *testing.T, where string, data []byte, skip func(what string) bool) (skipped int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for v, what := range s.values {
		if i := bytes.Index(data, []byte(v)); i >= 0 {
			if skip(what) {
				skipped++
				continue
			}
			t.Errorf("%s contains a secret: %s, in: %.300q", where, what, redactedLine(data, i, v, what))
		}
	}
	return skipped
}

// redactedLine is the line around data[i:], with the secret replaced by
// what it is, so that a failure report does not leak it again.
func redactedLine(data []byte, i int, secret, what string) string {
	start := bytes.LastIndexByte(data[:i], '\n') + 1
	end := bytes.IndexByte(data[i:], '\n')
	if end < 0 {
		end = len(data)
	} else {
		end += i
	}
	return strings.ReplaceAll(string(data[start:end]), secret, "<"+what+">")
}

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

	var sec secretSet
	mw := chain(p.Middleware(), sec.capture)
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
	sec.add("master secret", string(testSecret))
	sec.add("multisig address", fullRes.Address)
	for _, e := range []multisig.Escrow{full, raceA, raceB} {
		for _, role := range multisig.Roles {
			sec.add("wallet password", multisig.WalletPassword(testSecret, multisig.WalletName(e.ID, role)))
		}
	}
	for _, s := range srv {
		user, pass := s.Client().Credentials()
		sec.add("rpc user", user)
		sec.add("rpc password", pass)
	}
	// Three escrows' passwords (9), four servers' credentials (8), the
	// master secret, and the multisig_info of at least the full escrow's
	// four messages per role (12).
	if len(sec.values) < 9+8+1+12 {
		t.Fatalf("captured only %d secrets (%v); the scan would prove little", len(sec.values), sec.kinds)
	}

	// Trace files.
	files := 0
	walkFiles(t, tracesDir, func(path string, data []byte) {
		files++
		sec.scan(t, "trace file "+filepath.Base(path), data)
	})
	if files != 3 {
		t.Fatalf("%d trace files, want 3", files)
	}
	// Jaeger's answers, v1 (the UI's) and v3, once each trace is whole.
	ids := []string{full.ID, raceA.ID, raceB.ID}
	for _, id := range ids {
		tid, _ := escrowtrace.TraceIDFor(id)
		v1, err := j.WaitTrace(ctx, tid, spanCount(spans, tid))
		if err != nil {
			t.Fatal(err)
		}
		sec.scan(t, "Jaeger /api/traces/"+tid, v1)
		v3, status, err := j.TraceV3(ctx, tid)
		if err != nil || status != 200 {
			t.Fatalf("Jaeger v3 %s: %d %v", tid, status, err)
		}
		sec.scan(t, "Jaeger /api/v3/traces/"+tid, v3)
	}
	// Logs: escrowd's own (supervisor, coordinator, tracing, exporters at
	// debug), and the wallet servers' log files.
	if len(logs.Bytes()) == 0 {
		t.Fatal("no log captured")
	}
	sec.scan(t, "escrowd log", logs.Bytes())
	// monero-wallet-rpc itself logs "Loaded wallet keys file, with public
	// address: ..." at WARNING on every open_wallet (the supervisor runs it
	// at --log-level 0, which keeps warnings): its log, in the 0700 log
	// directory, may name addresses, never passwords, keys or credentials.
	addrInServerLogs := 0
	walkFiles(t, logDir, func(path string, data []byte) {
		addrInServerLogs += sec.scanExcept(t, "wallet server log "+filepath.Base(path), data, isAddress)
	})
	t.Logf("wallet server logs name %d wallet addresses (monero's own open_wallet line)", addrInServerLogs)

	checkModes(t, walletDir, logDir, tracesDir)
	for _, s := range srv {
		checkLoopbackOnly(t, s)
	}
	t.Logf("scanned 3 trace files, %d Jaeger answers, %d bytes of log for %d secrets %v",
		2*len(ids), len(logs.Bytes()), len(sec.values), sec.kinds)
}

// walkFiles calls fn with every regular file under dir.
func walkFiles(t *testing.T, dir string, fn func(path string, data []byte)) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		fn(path, data)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
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
	for _, d := range []string{walletDir, logDir} {
		fi, err := os.Stat(d)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm() != 0o700 {
			t.Errorf("%s mode %v, want 0700", d, fi.Mode().Perm())
		}
	}
	keys := 0
	walkFiles(t, walletDir, func(path string, _ []byte) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(path, ".keys") {
			keys++
			if fi.Mode().Perm() != 0o600 {
				t.Errorf("%s mode %v, want 0600", path, fi.Mode().Perm())
			}
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("wallet file %s mode %v: group or others have access", path, fi.Mode().Perm())
		}
	})
	if keys < 6 {
		t.Errorf("%d keys files checked, want at least the six wallets'", keys)
	}
	walkFiles(t, tracesDir, func(path string, _ []byte) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if fi.Mode().Perm()&^0o640 != 0 {
			t.Errorf("trace file %s mode %v, want 0640 or tighter", path, fi.Mode().Perm())
		}
	})
}

// checkLoopbackOnly finds every listening TCP socket the server's process
// owns (its fds' socket inodes in /proc/net/tcp and tcp6) and requires each
// to be bound to 127.0.0.1, and the server's own port to be among them.
func checkLoopbackOnly(t *testing.T, s *walletpool.Server) {
	t.Helper()
	inodes := socketInodes(t, s.PID())
	u, err := url.Parse(s.URL())
	if err != nil {
		t.Fatal(err)
	}
	port, _ := strconv.Atoi(u.Port())
	found := false
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		for _, l := range listening(t, table) {
			if !inodes[l.inode] {
				continue
			}
			if l.addr != "0100007F" {
				t.Errorf("server %s (pid %d) listens on %s address %s port %d: not 127.0.0.1", s.ID(), s.PID(), table, l.addr, l.port)
			}
			if l.port == port {
				found = true
			}
		}
	}
	if !found {
		t.Errorf("server %s: no listening socket of pid %d on its port %d found", s.ID(), s.PID(), port)
	}
}

func socketInodes(t *testing.T, pid int) map[string]bool {
	t.Helper()
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]bool{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if inode, ok := strings.CutPrefix(target, "socket:["); ok {
			out[strings.TrimSuffix(inode, "]")] = true
		}
	}
	return out
}

type listener struct {
	addr  string // hex, as the kernel prints it
	port  int
	inode string
}

// listening parses the LISTEN (state 0A) rows of a /proc/net/tcp* table.
func listening(t *testing.T, table string) []listener {
	t.Helper()
	data, err := os.ReadFile(table)
	if err != nil {
		if os.IsNotExist(err) {
			return nil
		}
		t.Fatal(err)
	}
	var out []listener
	sc := bufio.NewScanner(bytes.NewReader(data))
	sc.Scan() // header
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 10 || f[3] != "0A" {
			continue
		}
		addr, portHex, ok := strings.Cut(f[1], ":")
		if !ok {
			continue
		}
		port, err := strconv.ParseInt(portHex, 16, 32)
		if err != nil {
			t.Fatalf("%s: port %q", table, portHex)
		}
		out = append(out, listener{addr: addr, port: int(port), inode: f[9]})
	}
	return out
}
