package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/osprobe"
	"github.com/escrowd/escrowd/internal/secretscan"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// Kinds of secret. Addresses are the one kind an output may carry on
// purpose: the API answers an escrow's multisig address, and
// monero-wallet-rpc's own log names the wallet it opens.
const (
	kindAddress = "address"
)

// wireFields are the JSON fields of wallet RPC requests and responses that
// carry secrets: wallet passwords, every multisig_info (prepare, make and both
// exchange rounds, sent and received) and addresses.
var wireFields = secretscan.Fields{"password": "wallet password (wire)", "multisig_info": "multisig_info", "address": kindAddress}

// recordingProxy stands between escrowd and one wallet server and keeps
// every request and response body, so that the test knows each secret that
// crossed the wire (Digest authentication passes through unchanged: it signs
// the path, not the host).
type recordingProxy struct {
	*httptest.Server
	mu     sync.Mutex
	bodies [][]byte
}

func newRecordingProxy(t *testing.T, upstream string) *recordingProxy {
	t.Helper()
	p := &recordingProxy{}
	transport := &http.Transport{}
	p.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out, err := http.NewRequestWithContext(r.Context(), r.Method, upstream+r.URL.RequestURI(), bytes.NewReader(body))
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		out.Header = r.Header.Clone()
		resp, err := transport.RoundTrip(out)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		defer resp.Body.Close()
		rbody, err := io.ReadAll(resp.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadGateway)
			return
		}
		p.mu.Lock()
		p.bodies = append(p.bodies, body, rbody)
		p.mu.Unlock()
		for k, v := range resp.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(resp.StatusCode)
		w.Write(rbody) //nolint:errcheck // the client sees a short answer
	}))
	t.Cleanup(func() {
		p.Close()
		transport.CloseIdleConnections()
	})
	return p
}

// answers keeps the body of every API answer the test received.
type answers struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	seen int
}

// do is call for the test's goroutine: an error ends the test.
func (a *answers) do(t *testing.T, d *daemon, method, path, body string) (int, map[string]any) {
	t.Helper()
	code, m, err := a.call(d, method, path, body)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	return code, m
}

// call does one request against d and records the answer's body.
func (a *answers) call(d *daemon, method, path, body string) (int, map[string]any, error) {
	req, err := http.NewRequest(method, d.url+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json") // escrowd answers 415 otherwise
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, nil, err
	}
	a.mu.Lock()
	fmt.Fprintf(&a.buf, "%s %s -> %d\n%s\n", method, path, resp.StatusCode, raw)
	a.seen++
	a.mu.Unlock()
	var m map[string]any
	_ = json.Unmarshal(raw, &m) // pages are not JSON
	return resp.StatusCode, m, nil
}

// recorderScript runs in place of monero-wallet-rpc for the embedded
// servers: it copies the --config-file the supervisor wrote (the server's
// random RPC credentials, removed once read) for the test, then execs the
// real server, which keeps the PID, the command line and the sockets.
const recorderScript = `#!/bin/sh
prev=""
for a in "$@"; do
	if [ "$prev" = "--config-file" ]; then cp "$a" "%s/$(basename "$a").$$"; fi
	prev="$a"
done
exec monero-wallet-rpc "$@"
`

// TestDaemonSecretsNeverLeak runs the real escrowd three times at once, with
// instrumentation on (trace files with their lossless OTLP section) and logs
// at debug:
//   - leased mode on three external wallet servers behind recording proxies:
//     one full escrow;
//   - shared mode with --shared-barrier 2 on one external server behind a
//     recording proxy: two escrows raced into the original bug (a forced
//     failure);
//   - leased mode on its own three embedded servers, started through a
//     script that keeps their credentials: one full escrow.
//
// The secrets are what crossed the wire (wallet passwords, every
// multisig_info of the first two daemons), the RPC credentials of all seven
// servers, the three master secrets (raw, hex, base64) and the wallet
// passwords derived from them for every escrow. Everything escrowd emitted is
// scanned for them: every API answer the test got (JSON, trace downloads,
// /ui/ pages), each daemon's whole stderr log and its stdout, every trace
// file, and the embedded servers' log files. Then the modes of what is on
// disk, and the listeners of the embedded servers and of the daemon.
func TestDaemonSecretsNeverLeak(t *testing.T) {
	needWalletRPC(t)
	var sec secretscan.Set

	// External servers, each behind a recording proxy.
	ext := wallettest.Start(t, 4).Servers()
	proxies := make([]*recordingProxy, len(ext))
	rpcURLs := make([]string, len(ext))
	for i, s := range ext {
		proxies[i] = newRecordingProxy(t, s.URL())
		user, pass := s.Client().Credentials()
		sec.Add("rpc user", user)
		sec.Add("rpc password", pass)
		u, err := url.Parse(proxies[i].URL)
		if err != nil {
			t.Fatal(err)
		}
		u.User = url.UserPassword(user, pass)
		rpcURLs[i] = u.String()
	}

	root := t.TempDir()
	dirLeased, dirShared, dirEmbedded := filepath.Join(root, "leased"), filepath.Join(root, "shared"), filepath.Join(root, "embedded")
	capDir := filepath.Join(root, "captured-config")
	for _, d := range []string{dirLeased, dirShared, dirEmbedded, capDir} {
		if err := os.Mkdir(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	recorder := filepath.Join(root, "wallet-rpc-recorder.sh")
	if err := os.WriteFile(recorder, fmt.Appendf(nil, recorderScript, capDir), 0o700); err != nil {
		t.Fatal(err)
	}

	// The credentials go in through the environment, as a deployment would
	// pass them, not argv.
	t.Setenv("ESCROWD_TRACE_OTLP_SECTION", "1")
	t.Setenv("ESCROWD_WALLET_RPC", strings.Join(rpcURLs[:3], ","))
	leased := startDaemon(t, dirLeased, "--log-level", "debug")
	t.Setenv("ESCROWD_WALLET_RPC", rpcURLs[3])
	shared := startDaemon(t, dirShared, "--log-level", "debug", "--mode", "shared", "--shared-barrier", "2")
	t.Setenv("ESCROWD_WALLET_RPC", "")
	embedded := startDaemon(t, dirEmbedded, "--log-level", "debug", "--pool-size", "3", "--wallet-rpc-binary", recorder)
	daemons := []*daemon{leased, shared, embedded}
	dirs := []string{dirLeased, dirShared, dirEmbedded}

	// The escrows, all at once: two full ones, two raced in shared mode.
	var ans answers
	type run struct {
		d    *daemon
		code int
		view map[string]any
		err  error
	}
	runs := []*run{{d: leased}, {d: shared}, {d: shared}, {d: embedded}}
	began := time.Now()
	var wg sync.WaitGroup
	for i, r := range runs {
		wg.Go(func() {
			body := fmt.Sprintf(`{"buyer_id":"sec-buyer-%d","vendor_id":"sec-vendor-%d","amount":%d}`, i, i, 1_000_000_000+i)
			r.code, r.view, r.err = ans.call(r.d, http.MethodPost, "/api/escrow/init?wait=5m", body)
		})
	}
	wg.Wait()
	escrowsTook := time.Since(began)
	for i, r := range runs {
		if r.err != nil || r.code != http.StatusOK || r.view["escrow_id"] == nil {
			t.Fatalf("escrow %d: %d %v %v", i, r.code, r.view, r.err)
		}
	}
	for _, i := range []int{0, 3} {
		if runs[i].view["status"] != "ready" {
			t.Fatalf("full escrow %d: %v", i, runs[i].view)
		}
	}
	if runs[1].view["status"] != "failed" && runs[2].view["status"] != "failed" {
		t.Fatalf("the shared-mode race failed neither escrow: %v, %v", runs[1].view, runs[2].view)
	}

	// Every other answer the API gives about them, refusals included.
	for _, r := range runs {
		id := r.view["escrow_id"].(string)
		for _, p := range []string{"/api/escrow/" + id, "/api/escrow/" + id + "/trace", "/ui/escrow/" + id} {
			if code, _ := ans.do(t, r.d, http.MethodGet, p, ""); code != http.StatusOK {
				t.Errorf("GET %s: %d", p, code)
			}
		}
	}
	for _, d := range daemons {
		for _, p := range []string{"/api/escrows", "/api/escrows?status=failed", "/ui/", "/healthz", "/readyz", "/api/escrow/0b8e5d4e-0000-4000-8000-000000000000", "/api/escrow/..%2fmaster.key"} {
			ans.do(t, d, http.MethodGet, p, "")
		}
		ans.do(t, d, http.MethodPost, "/api/escrow/init", `{"buyer_id":"b","vendor_id":"v","amount":-1}`)
	}

	// While the embedded servers run: they, and the daemon, listen on loopback only.
	embeddedWallets := filepath.Join(dirEmbedded, "data", "wallets")
	pids := walletServers(t, embeddedWallets)
	if len(pids) != 3 {
		t.Fatalf("%d embedded wallet servers, want 3", len(pids))
	}
	for _, pid := range pids {
		if n := len(osprobe.CheckLoopback(t, pid)); n == 0 {
			t.Errorf("embedded wallet server pid %d: no listening socket found", pid)
		}
	}
	for _, d := range daemons {
		if n := len(osprobe.CheckLoopback(t, d.Cmd.Process.Pid)); n == 0 {
			t.Errorf("escrowd pid %d: no listening socket found", d.Cmd.Process.Pid)
		}
	}

	// Stop them: logs complete, trace files flushed.
	for _, d := range daemons {
		d.stop(syscall.SIGTERM)
		if code := d.Cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("escrowd exit code %d after SIGTERM", code)
		}
	}

	// The secrets of the run; the first sighting of a value names it, so
	// what the test derives comes before the same values seen on the wire.
	masters := make([][]byte, len(dirs))
	for i, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "data", "master.key"))
		if err != nil {
			t.Fatal(err)
		}
		masters[i] = b
		sec.AddBytes("master secret", b)
	}
	for i, r := range runs {
		secret := masters[[]int{0, 1, 1, 2}[i]]
		for _, role := range escrow.Roles {
			sec.Add("wallet password (derived)", multisig.WalletPassword(secret, escrow.WalletName(r.view["escrow_id"].(string), role)))
		}
		if addr, _ := r.view["multisig_address"].(string); addr != "" {
			sec.Add(kindAddress, addr)
		}
	}
	captured := 0
	for _, f := range osprobe.Files(t, capDir) {
		for _, line := range strings.Split(string(f.Data), "\n") {
			if login, ok := strings.CutPrefix(line, "rpc-login="); ok {
				user, pass, _ := strings.Cut(login, ":")
				sec.Add("rpc user", user)
				sec.Add("rpc password", pass)
				captured++
			}
		}
	}
	if captured < 3 {
		t.Fatalf("captured the credentials of %d embedded servers, want 3", captured)
	}
	for _, p := range proxies {
		p.mu.Lock()
		for _, b := range p.bodies {
			sec.AddBody(b, wireFields)
		}
		p.mu.Unlock()
	}
	kinds := sec.Kinds()
	// The two full escrows' and the race's messages: at least prepare, make
	// and two exchanges for the three roles of the proxied full escrow.
	if kinds["multisig_info"] < 12 || kinds["rpc password"] != 4+captured || kinds["wallet password (derived)"] != 12 {
		t.Fatalf("secrets of the run: %v; the scan would prove little", kinds)
	}

	// Scan everything escrowd emitted.
	ans.mu.Lock()
	addrInAnswers := sec.Check(t, "API answers", ans.buf.Bytes(), kindAddress)
	answersBytes, answersSeen := ans.buf.Len(), ans.seen
	ans.mu.Unlock()
	logBytes, traceFiles, traceBytes, serverLogs := 0, 0, 0, 0
	for i, d := range daemons {
		log := d.log()
		logBytes += len(log)
		sec.Check(t, "escrowd log ("+filepath.Base(dirs[i])+")", []byte(log))
		sec.Check(t, "escrowd stdout ("+filepath.Base(dirs[i])+")", []byte("escrowd listening on "+d.url+"\n"))
		for _, f := range osprobe.Files(t, filepath.Join(dirs[i], "traces")) {
			traceFiles++
			traceBytes += len(f.Data)
			sec.Check(t, "trace file "+f.Path, f.Data)
		}
	}
	if traceFiles != len(runs) {
		t.Errorf("%d trace files, want %d", traceFiles, len(runs))
	}
	// monero-wallet-rpc logs "Loaded wallet keys file, with public address"
	// on open_wallet: its logs (0700 directory) may name addresses, nothing else.
	for _, f := range osprobe.Files(t, filepath.Join(dirEmbedded, "data", "logs")) {
		serverLogs++
		sec.Check(t, "wallet server log "+f.Path, f.Data, kindAddress)
	}

	// Modes.
	for _, dir := range dirs {
		osprobe.CheckPerm(t, filepath.Join(dir, "data"), 0o700)
		osprobe.CheckPerm(t, filepath.Join(dir, "data", "master.key"), 0o600)
		osprobe.CheckPerm(t, filepath.Join(dir, "data", "escrowd.db"), 0o600)
		for _, f := range []string{"escrowd.db-wal", "escrowd.db-shm"} { // SQLite's, there while it has them
			if p := filepath.Join(dir, "data", f); !fileGone(p) {
				osprobe.CheckPerm(t, p, 0o600)
			}
		}
		for _, f := range osprobe.Files(t, filepath.Join(dir, "traces")) {
			osprobe.CheckPermWithin(t, "trace file", f.Path, 0o640)
		}
	}
	osprobe.CheckPerm(t, embeddedWallets, 0o700)
	osprobe.CheckPerm(t, filepath.Join(dirEmbedded, "data", "logs"), 0o700)
	keys := 0
	for _, f := range osprobe.Files(t, embeddedWallets) {
		if strings.HasSuffix(f.Path, ".keys") {
			keys++
			osprobe.CheckPerm(t, f.Path, 0o600)
		}
		osprobe.CheckPermWithin(t, "wallet file", f.Path, 0o700)
	}
	if keys < 3 {
		t.Errorf("%d keys files in the embedded wallet directory, want at least the escrow's 3", keys)
	}
	if left := walletServers(t, embeddedWallets); len(left) != 0 {
		t.Errorf("embedded wallet servers left after SIGTERM: %v", left)
	}

	t.Logf("the four escrows took %v", escrowsTook.Round(time.Millisecond))
	t.Logf("secrets: %d values %v; scanned %d API answers (%d bytes; the multisig address where the API returns it, %d times), "+
		"%d bytes of escrowd logs, %d trace files (%d bytes), %d wallet server logs: 0 hits",
		sec.Len(), kinds, answersSeen, answersBytes, addrInAnswers, logBytes, traceFiles, traceBytes, serverLogs)
}

// fileGone reports whether path does not exist (and only that: another
// error is the mode check's to report).
func fileGone(path string) bool {
	_, err := os.Stat(path)
	return errors.Is(err, fs.ErrNotExist)
}
