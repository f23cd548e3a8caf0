package main

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// Kinds of secret. Addresses are the one kind an output may carry on
// purpose: the API answers an escrow's multisig address, and
// monero-wallet-rpc's own log names the wallet it opens.
const (
	kindAddress = "address"
)

// secrets is every secret of a run: value -> kind.
type secrets struct {
	mu     sync.Mutex
	values map[string]string
}

func (s *secrets) add(kind, v string) {
	// Shorter values would match by chance; every real secret here is 16+
	// characters (credentials, passwords, messages, addresses).
	if len(v) < 8 {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]string{}
	}
	s.values[v] = kind
}

// addMaster adds a master secret as raw bytes and in the encodings a log
// line would use.
func (s *secrets) addMaster(b []byte) {
	s.add("master secret", string(b))
	s.add("master secret (hex)", hex.EncodeToString(b))
	s.add("master secret (base64)", base64.StdEncoding.EncodeToString(b))
	s.add("master secret (base64url)", base64.RawURLEncoding.EncodeToString(b))
}

func (s *secrets) kinds() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, k := range s.values {
		out[k]++
	}
	return out
}

// fromWire adds the secrets of one wallet RPC request or response body: the
// values under "password", "multisig_info" (prepare, make and both exchange
// rounds, sent and received) and "address".
func (s *secrets) fromWire(body []byte) {
	var tree any
	if json.Unmarshal(body, &tree) != nil {
		return
	}
	var walk func(key string, v any)
	walk = func(key string, v any) {
		switch v := v.(type) {
		case map[string]any:
			for k, x := range v {
				walk(k, x)
			}
		case []any:
			for _, x := range v {
				walk(key, x)
			}
		case string:
			switch key {
			case "password":
				s.add("wallet password (wire)", v)
			case "multisig_info":
				s.add("multisig_info", v)
			case "address":
				s.add(kindAddress, v)
			}
		}
	}
	walk("", tree)
}

// scan reports every secret in data, but those of the kinds allowed; it
// returns how many allowed ones it saw.
func (s *secrets) scan(t *testing.T, where string, data []byte, allowed ...string) (seen int) {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	for v, kind := range s.values {
		i := bytes.Index(data, []byte(v))
		if i < 0 {
			continue
		}
		if contains(allowed, kind) {
			seen++
			continue
		}
		line := data[max(0, bytes.LastIndexByte(data[:i], '\n')+1):]
		if j := bytes.IndexByte(line, '\n'); j >= 0 {
			line = line[:j]
		}
		// Report the line with the secret replaced, so the report does not leak it.
		t.Errorf("%s holds a secret (%s): %.300q", where, kind, strings.ReplaceAll(string(line), v, "<"+kind+">"))
	}
	return seen
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

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
	var sec secrets

	// External servers, each behind a recording proxy.
	ext := wallettest.Start(t, 4).Servers()
	proxies := make([]*recordingProxy, len(ext))
	rpcURLs := make([]string, len(ext))
	for i, s := range ext {
		proxies[i] = newRecordingProxy(t, s.URL())
		user, pass := s.Client().Credentials()
		sec.add("rpc user", user)
		sec.add("rpc password", pass)
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
		if n := checkLoopbackListeners(t, pid); n == 0 {
			t.Errorf("embedded wallet server pid %d: no listening socket found", pid)
		}
	}
	for _, d := range daemons {
		if n := checkLoopbackListeners(t, d.cmd.Process.Pid); n == 0 {
			t.Errorf("escrowd pid %d: no listening socket found", d.cmd.Process.Pid)
		}
	}

	// Stop them: logs complete, trace files flushed.
	for _, d := range daemons {
		d.stop(syscall.SIGTERM)
		if code := d.cmd.ProcessState.ExitCode(); code != 0 {
			t.Errorf("escrowd exit code %d after SIGTERM", code)
		}
	}

	// The secrets of the run.
	for _, p := range proxies {
		p.mu.Lock()
		for _, b := range p.bodies {
			sec.fromWire(b)
		}
		p.mu.Unlock()
	}
	captured := 0
	walkRegular(t, capDir, func(_ string, data []byte) {
		for _, line := range strings.Split(string(data), "\n") {
			if login, ok := strings.CutPrefix(line, "rpc-login="); ok {
				user, pass, _ := strings.Cut(login, ":")
				sec.add("rpc user", user)
				sec.add("rpc password", pass)
				captured++
			}
		}
	})
	if captured < 3 {
		t.Fatalf("captured the credentials of %d embedded servers, want 3", captured)
	}
	masters := make([][]byte, len(dirs))
	for i, dir := range dirs {
		b, err := os.ReadFile(filepath.Join(dir, "data", "master.key"))
		if err != nil {
			t.Fatal(err)
		}
		masters[i] = b
		sec.addMaster(b)
	}
	for i, r := range runs {
		secret := masters[[]int{0, 1, 1, 2}[i]]
		for _, role := range multisig.Roles {
			sec.add("wallet password (derived)", multisig.WalletPassword(secret, multisig.WalletName(r.view["escrow_id"].(string), role)))
		}
		if addr, _ := r.view["multisig_address"].(string); addr != "" {
			sec.add(kindAddress, addr)
		}
	}
	kinds := sec.kinds()
	// The two full escrows' and the race's messages: at least prepare, make
	// and two exchanges for the three roles of the proxied full escrow.
	if kinds["multisig_info"] < 12 || kinds["rpc password"] != 4+captured || kinds["wallet password (derived)"] != 12 {
		t.Fatalf("secrets of the run: %v; the scan would prove little", kinds)
	}

	// Scan everything escrowd emitted.
	ans.mu.Lock()
	addrInAnswers := sec.scan(t, "API answers", ans.buf.Bytes(), kindAddress)
	answersBytes, answersSeen := ans.buf.Len(), ans.seen
	ans.mu.Unlock()
	logBytes, traceFiles, traceBytes, serverLogs := 0, 0, 0, 0
	for i, d := range daemons {
		log := d.log()
		logBytes += len(log)
		sec.scan(t, "escrowd log ("+filepath.Base(dirs[i])+")", []byte(log))
		sec.scan(t, "escrowd stdout ("+filepath.Base(dirs[i])+")", []byte("escrowd listening on "+d.url+"\n"))
		walkRegular(t, filepath.Join(dirs[i], "traces"), func(path string, data []byte) {
			traceFiles++
			traceBytes += len(data)
			sec.scan(t, "trace file "+path, data)
		})
	}
	if traceFiles != len(runs) {
		t.Errorf("%d trace files, want %d", traceFiles, len(runs))
	}
	// monero-wallet-rpc logs "Loaded wallet keys file, with public address"
	// on open_wallet: its logs (0700 directory) may name addresses, nothing else.
	walkRegular(t, filepath.Join(dirEmbedded, "data", "logs"), func(path string, data []byte) {
		serverLogs++
		sec.scan(t, "wallet server log "+path, data, kindAddress)
	})

	// Modes.
	for _, dir := range dirs {
		checkPerm(t, filepath.Join(dir, "data"), 0o700, true)
		checkPerm(t, filepath.Join(dir, "data", "master.key"), 0o600, true)
		for _, f := range []string{"escrowd.db", "escrowd.db-wal", "escrowd.db-shm"} {
			checkPerm(t, filepath.Join(dir, "data", f), 0o600, f == "escrowd.db")
		}
		walkRegular(t, filepath.Join(dir, "traces"), func(path string, _ []byte) {
			fi, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm()&^0o640 != 0 {
				t.Errorf("trace file %s mode %v, want 0640 or tighter", path, fi.Mode().Perm())
			}
		})
	}
	checkPerm(t, embeddedWallets, 0o700, true)
	checkPerm(t, filepath.Join(dirEmbedded, "data", "logs"), 0o700, true)
	keys := 0
	walkRegular(t, embeddedWallets, func(path string, _ []byte) {
		fi, err := os.Stat(path)
		if err != nil {
			t.Fatal(err)
		}
		if strings.HasSuffix(path, ".keys") {
			keys++
			checkPerm(t, path, 0o600, true)
		}
		if fi.Mode().Perm()&0o077 != 0 {
			t.Errorf("wallet file %s mode %v: group or others have access", path, fi.Mode().Perm())
		}
	})
	if keys < 3 {
		t.Errorf("%d keys files in the embedded wallet directory, want at least the escrow's 3", keys)
	}
	if left := walletServers(t, embeddedWallets); len(left) != 0 {
		t.Errorf("embedded wallet servers left after SIGTERM: %v", left)
	}

	t.Logf("the four escrows took %v", escrowsTook.Round(time.Millisecond))
	t.Logf("secrets: %d values %v; scanned %d API answers (%d bytes; the multisig address where the API returns it, %d times), "+
		"%d bytes of escrowd logs, %d trace files (%d bytes), %d wallet server logs: 0 hits",
		len(sec.values), kinds, answersSeen, answersBytes, addrInAnswers, logBytes, traceFiles, traceBytes, serverLogs)
}

// walkRegular calls fn with every regular file under dir.
func walkRegular(t *testing.T, dir string, fn func(path string, data []byte)) {
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

// checkPerm requires path's permission bits to be exactly want; a missing
// file is an error only if required.
func checkPerm(t *testing.T, path string, want fs.FileMode, required bool) {
	t.Helper()
	fi, err := os.Stat(path)
	if os.IsNotExist(err) && !required {
		return
	}
	if err != nil {
		t.Error(err)
		return
	}
	if fi.Mode().Perm() != want {
		t.Errorf("%s mode %v, want %v", path, fi.Mode().Perm(), want)
	}
}

// checkLoopbackListeners finds every listening TCP socket of pid (its fds'
// socket inodes in /proc/net/tcp and tcp6) and requires each to be bound to
// a loopback address; it returns how many it found.
func checkLoopbackListeners(t *testing.T, pid int) int {
	t.Helper()
	fdDir := fmt.Sprintf("/proc/%d/fd", pid)
	entries, err := os.ReadDir(fdDir)
	if err != nil {
		t.Fatal(err)
	}
	inodes := map[string]bool{}
	for _, e := range entries {
		target, err := os.Readlink(filepath.Join(fdDir, e.Name()))
		if err != nil {
			continue // closed meanwhile
		}
		if inode, ok := strings.CutPrefix(target, "socket:["); ok {
			inodes[strings.TrimSuffix(inode, "]")] = true
		}
	}
	n := 0
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		data, err := os.ReadFile(table)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			t.Fatal(err)
		}
		sc := bufio.NewScanner(bytes.NewReader(data))
		sc.Scan() // header
		for sc.Scan() {
			f := strings.Fields(sc.Text())
			if len(f) < 10 || f[3] != "0A" || !inodes[f[9]] { // 0A: LISTEN
				continue
			}
			n++
			addr, port, _ := strings.Cut(f[1], ":")
			p, _ := strconv.ParseUint(port, 16, 16)
			// 127.x.x.x is stored little-endian (..7F); ::1 is 0000...01000000.
			if !strings.HasSuffix(addr, "7F") && addr != "00000000000000000000000001000000" {
				t.Errorf("pid %d listens on %s address %s port %d: not loopback", pid, table, addr, p)
			}
		}
	}
	return n
}
