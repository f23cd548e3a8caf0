package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/daemontest"
	"github.com/escrowd/escrowd/pkg/metrics"
)

// The load: loadRequests escrow requests at once against three wallet servers
// (one escrow at a time in leased mode) and an admission limit of
// loadMaxInFlight, so that most are refused and the admitted ones queue for
// the pool.
const (
	loadRequests    = 50
	loadMaxInFlight = 2
	// loadPeakRSSBound is generous: the daemon idles at ~30 MiB; a leak of
	// per-request state over 50 requests or an unbounded queue would not
	// stay under it for long, a healthy daemon never comes near.
	loadPeakRSSBound = 256 << 20
)

// loadArgs are the daemon's settings for the load, for the binary and in-process alike.
var loadArgs = []string{"--offline", "--pool-size", "3", "--max-in-flight", strconv.Itoa(loadMaxInFlight), "--shutdown-timeout", "30s"}

// burstResult is one request's answer.
type burstResult struct {
	code       int
	retryAfter string
	body       map[string]any
	err        error
}

// burst sends n POST /api/escrow/init?wait=5m at once (they are released
// together from a closed channel) and returns every answer. The client keeps
// no connection alive, so that it leaves no goroutine behind.
func burst(baseURL string, n int) []burstResult {
	client := &http.Client{Transport: &http.Transport{DisableKeepAlives: true}}
	defer client.CloseIdleConnections()
	results := make([]burstResult, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			body := fmt.Sprintf(`{"buyer_id":"load-buyer-%d","vendor_id":"load-vendor-%d","amount":%d}`, i, i, 1_000_000+i)
			req, err := http.NewRequest(http.MethodPost, baseURL+"/api/escrow/init?wait=5m", strings.NewReader(body))
			if err != nil {
				results[i].err = err
				return
			}
			req.Header.Set("Content-Type", "application/json")
			<-start
			resp, err := client.Do(req)
			if err != nil {
				results[i].err = err
				return
			}
			defer resp.Body.Close()
			results[i].code = resp.StatusCode
			results[i].retryAfter = resp.Header.Get("Retry-After")
			results[i].err = json.NewDecoder(resp.Body).Decode(&results[i].body)
		})
	}
	close(start)
	wg.Wait()
	return results
}

// checkBurst: every request either completed (200, ready, an address) or was
// refused up front (503, Retry-After, the busy message); none failed midway;
// at most loadMaxInFlight were admitted. It returns the admitted escrows' IDs.
func checkBurst(t *testing.T, results []burstResult) (admitted []string, refused int) {
	t.Helper()
	for i, r := range results {
		switch {
		case r.err != nil:
			t.Errorf("request %d: %v", i, r.err)
		case r.code == http.StatusOK:
			id, _ := r.body["escrow_id"].(string)
			if r.body["status"] != "ready" || r.body["multisig_address"] == "" || id == "" {
				t.Errorf("request %d admitted but did not complete: %v", i, r.body)
				continue
			}
			admitted = append(admitted, id)
		case r.code == http.StatusServiceUnavailable:
			refused++
			if n, err := strconv.Atoi(r.retryAfter); err != nil || n <= 0 {
				t.Errorf("request %d: 503 with Retry-After %q, want whole seconds > 0", i, r.retryAfter)
			}
			if msg, _ := r.body["error"].(string); !strings.Contains(msg, "too many escrows in flight") {
				t.Errorf("request %d: 503 says %q", i, msg)
			}
		default:
			t.Errorf("request %d: %d %v: neither completed nor refused up front", i, r.code, r.body)
		}
	}
	if len(admitted) < 1 || len(admitted) > loadMaxInFlight {
		t.Errorf("%d requests admitted, want 1 to %d (the admission limit)", len(admitted), loadMaxInFlight)
	}
	if len(admitted)+refused != len(results) {
		t.Errorf("%d admitted + %d refused of %d requests", len(admitted), refused, len(results))
	}
	return admitted, refused
}

// checkStored: the store holds exactly the admitted escrows, all ready: a
// refused request stored nothing.
func checkStored(t *testing.T, baseURL string, admitted []string) {
	t.Helper()
	resp, err := http.Get(baseURL + "/api/escrows?limit=1000")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var list struct {
		Escrows []struct {
			ID     string `json:"escrow_id"`
			Status string `json:"status"`
		} `json:"escrows"`
		Count int `json:"count"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&list); err != nil {
		t.Fatal(err)
	}
	if list.Count != len(admitted) {
		t.Errorf("%d escrows stored, want the %d admitted only", list.Count, len(admitted))
	}
	for _, e := range list.Escrows {
		if e.Status != "ready" {
			t.Errorf("stored escrow %s is %s", e.ID, e.Status)
		}
	}
}

// procStatusKB reads a "Name:   N kB" line of /proc/<pid>/status, in bytes.
func procStatusKB(t *testing.T, pid int, name string) int64 {
	t.Helper()
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Fatal(err)
	}
	sc := bufio.NewScanner(bytes.NewReader(data))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+":"); ok {
			kb, err := strconv.ParseInt(strings.TrimSuffix(strings.TrimSpace(v), " kB"), 10, 64)
			if err != nil {
				t.Fatalf("/proc/%d/status %s: %q", pid, name, v)
			}
			return kb << 10
		}
	}
	t.Fatalf("/proc/%d/status has no %s", pid, name)
	return 0
}

// TestLoadBurst: 50 escrow requests at once against the real escrowd binary
// on three real wallet servers with an admission limit of 2. Each request
// completes or is refused up front with 503 + Retry-After; none fails midway;
// the daemon's peak RSS (VmHWM) stays bounded; its wallet servers are the
// same three throughout and none is left after SIGTERM.
func TestLoadBurst(t *testing.T) {
	needWalletRPC(t)
	dir := t.TempDir()
	walletDir := filepath.Join(dir, "data", "wallets")
	d := startDaemon(t, dir, loadArgs...)
	pid := d.Cmd.Process.Pid
	servers := walletServers(t, walletDir)
	if len(servers) != 3 {
		t.Fatalf("%d wallet servers before the load, want 3", len(servers))
	}
	rssBefore := procStatusKB(t, pid, "VmRSS")

	began := time.Now()
	results := burst(d.url, loadRequests)
	took := time.Since(began)
	admitted, refused := checkBurst(t, results)
	checkStored(t, d.url, admitted)
	for _, id := range admitted {
		if f := readTrace(t, d, id); f.Outcome != "success" {
			t.Errorf("escrow %s: trace outcome %s", id, f.Outcome)
		}
	}

	peak := procStatusKB(t, pid, "VmHWM")
	if peak > loadPeakRSSBound {
		t.Errorf("escrowd peak RSS %d MiB, want under %d MiB", peak>>20, loadPeakRSSBound>>20)
	}
	after := walletServers(t, walletDir)
	if fmt.Sprint(after) != fmt.Sprint(servers) {
		t.Errorf("wallet servers %v after the load, %v before: none may be added, lost or restarted", after, servers)
	}

	d.stop(syscall.SIGTERM)
	if code := d.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM", code)
	}
	if left := walletServers(t, walletDir); len(left) != 0 {
		t.Fatalf("wallet servers left after SIGTERM: %v", left)
	}
	t.Logf("%d requests at once: %d admitted and completed, %d refused 503 + Retry-After; all answered in %v; "+
		"escrowd RSS %.1f MiB before, peak (VmHWM) %.1f MiB; wallet servers %d before, %d after the load, 0 after SIGTERM",
		loadRequests, len(admitted), refused, took.Round(time.Millisecond),
		float64(rssBefore)/(1<<20), float64(peak)/(1<<20), len(servers), len(after))
}

// lineWriter sends each line written to it on lines (dropping what nobody reads).
type lineWriter struct {
	mu    sync.Mutex
	buf   []byte
	lines chan string
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf = append(w.buf, p...)
	for {
		i := bytes.IndexByte(w.buf, '\n')
		if i < 0 {
			return len(p), nil
		}
		select {
		case w.lines <- string(w.buf[:i]):
		default:
		}
		w.buf = w.buf[i+1:]
	}
}

// TestLoadBurstGoroutines runs the same burst against the daemon's serve()
// in this process, which is the daemon less flag parsing and signals, to
// count goroutines: the binary has no way to report them, and a figure
// exposed for tests would be a debug surface in production. After serve
// returns, the process must be back to the goroutines it had before serve
// started (polled until a deadline, since exiting goroutines take a moment to
// be gone), and no wallet server may be left.
func TestLoadBurstGoroutines(t *testing.T) {
	needWalletRPC(t)
	dir := t.TempDir()
	walletDir := filepath.Join(dir, "data", "wallets")
	env := map[string]string{} // nothing from the test's environment (OTEL_*, ESCROWD_*)
	getenv := func(k string) string { return env[k] }
	args := append([]string{"--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--traces-dir", filepath.Join(dir, "traces"), "--instrument=true"}, loadArgs...)
	cfg, err := parseConfig(args, getenv, io.Discard)
	if err == nil {
		err = cfg.validate()
	}
	if err != nil {
		t.Fatal(err)
	}
	tcfg, err := traceConfig(cfg, getenv)
	if err != nil {
		t.Fatal(err)
	}
	var logs bytes.Buffer
	logMu := &sync.Mutex{}
	logger := slog.New(slog.NewTextHandler(&lockedWriter{w: &logs, mu: logMu}, nil))
	logText := func() string {
		logMu.Lock()
		defer logMu.Unlock()
		return logs.String()
	}
	stdout := &lineWriter{lines: make(chan string, 1)}

	before := runtime.NumGoroutine()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	served := make(chan error, 1)
	go func() { served <- serve(ctx, func() {}, cfg, tcfg, metrics.Config{}, logger, stdout) }()

	var url string
	select {
	case line := <-stdout.lines:
		url = strings.TrimPrefix(line, "escrowd listening on ")
	case err := <-served:
		t.Fatalf("serve returned at start: %v\n%s", err, logText())
	case <-time.After(time.Minute):
		t.Fatalf("serve did not come up\n%s", logText())
	}
	daemontest.WaitReady(t, url, time.Minute)

	results := burst(url, loadRequests)
	during := runtime.NumGoroutine()
	admitted, refused := checkBurst(t, results)
	checkStored(t, url, admitted)
	http.DefaultClient.CloseIdleConnections() // waitReady's and checkStored's connections

	cancel()
	select {
	case err := <-served:
		if err != nil {
			t.Fatalf("serve: %v", err)
		}
	case <-time.After(2 * time.Minute):
		t.Fatal("serve did not return after its context ended")
	}
	if left := walletServers(t, walletDir); len(left) != 0 {
		t.Fatalf("wallet servers left after serve returned: %v", left)
	}

	// Goroutines that are exiting take a moment to be gone: poll, bounded.
	after := runtime.NumGoroutine()
	for deadline := time.Now().Add(10 * time.Second); after > before && time.Now().Before(deadline); after = runtime.NumGoroutine() {
		time.Sleep(20 * time.Millisecond) // polling a count, not synchronising
	}
	if after > before {
		var dump bytes.Buffer
		pprof.Lookup("goroutine").WriteTo(&dump, 1) //nolint:errcheck // diagnostics only
		t.Fatalf("%d goroutines after serve returned, %d before it started: leaked:\n%s", after, before, dump.String())
	}
	t.Logf("%d requests at once: %d admitted and completed, %d refused; goroutines %d before serve, %d with the load answered, %d after serve returned",
		loadRequests, len(admitted), refused, before, during, after)
}

// lockedWriter serialises writes to w (the in-process server's log).
type lockedWriter struct {
	w  io.Writer
	mu *sync.Mutex
}

func (l *lockedWriter) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.w.Write(p)
}
