package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/daemontest"
	"github.com/escrowd/escrowd/internal/osprobe"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

func TestMain(m *testing.M) {
	os.Exit(daemontest.Main(m))
}

// daemon is one running escrowd process (daemontest's) with this package's
// request helpers.
type daemon struct {
	*daemontest.Proc
	t   *testing.T
	url string
}

func needWalletRPC(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("real wallet servers: skipped with -short")
	}
	if _, err := exec.LookPath("monero-wallet-rpc"); err != nil {
		t.Skip("monero-wallet-rpc is not installed (apt-get install monero)")
	}
}

// startDaemon runs escrowd on a free port with its data and traces in dir
// and waits (with a deadline) until /readyz answers 200.
func startDaemon(t *testing.T, dir string, args ...string) *daemon {
	t.Helper()
	args = append([]string{"--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--traces-dir", filepath.Join(dir, "traces"), "--instrument=true"}, args...)
	p := daemontest.Start(t, daemontest.Options{Args: args,
		Env: []string{"OTEL_EXPORTER_OTLP_ENDPOINT=", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT="}})
	return &daemon{Proc: p, t: t, url: p.URL}
}

func (d *daemon) log() string { return d.Log() }

// call does one request and decodes the JSON answer.
func (d *daemon) call(method, path, body string) (int, map[string]any, error) {
	req, err := http.NewRequest(method, d.url+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var m map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&m); err != nil {
		return resp.StatusCode, nil, err
	}
	return resp.StatusCode, m, nil
}

func (d *daemon) mustCall(method, path, body string) (int, map[string]any) {
	d.t.Helper()
	code, m, err := d.call(method, path, body)
	if err != nil {
		d.t.Fatalf("%s %s: %v", method, path, err)
	}
	return code, m
}

// waitStatus polls an escrow until it has one of the statuses (deadline-bound).
func (d *daemon) waitStatus(id string, statuses ...string) map[string]any {
	d.t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		_, m := d.mustCall(http.MethodGet, "/api/escrow/"+id, "")
		for _, s := range statuses {
			if m["status"] == s {
				return m
			}
		}
		time.Sleep(50 * time.Millisecond) // polling the daemon's state, not a fix
	}
	d.t.Fatalf("escrow %s never reached %v", id, statuses)
	return nil
}

// stop signals the daemon and waits for it to exit.
func (d *daemon) stop(sig syscall.Signal) {
	d.t.Helper()
	if err := d.Stop(sig, 2*time.Minute); err != nil {
		d.t.Fatal(err)
	}
}

// walletServers lists the monero-wallet-rpc processes serving walletDir.
func walletServers(t *testing.T, walletDir string) []int {
	t.Helper()
	pids, err := osprobe.PIDs("monero-wallet-rpc", walletDir)
	if err != nil {
		t.Fatal(err)
	}
	return pids
}

// waitNoWalletServers waits (deadline-bound) until no wallet server of walletDir runs.
func waitNoWalletServers(t *testing.T, walletDir string) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		pids := walletServers(t, walletDir)
		if len(pids) == 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("wallet servers still running: %v", pids)
		}
		time.Sleep(100 * time.Millisecond) // polling for processes to go, not a fix
	}
}

func readTrace(t *testing.T, d *daemon, id string) escrowtrace.File {
	t.Helper()
	resp, err := http.Get(d.url + "/api/escrow/" + id + "/trace")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("trace of %s: %d %s", id, resp.StatusCode, body)
	}
	var f escrowtrace.File
	if err := json.Unmarshal(body, &f); err != nil {
		t.Fatalf("trace of %s: %v", id, err)
	}
	return f
}

// TestDaemon runs the acceptance on real wallet servers, in one data
// directory to keep the wall time small: the seed's three concurrent curl
// POSTs; SIGKILL during an escrow and a restart; SIGTERM with escrows running.
func TestDaemon(t *testing.T) {
	needWalletRPC(t)
	dir := t.TempDir()
	walletDir := filepath.Join(dir, "data", "wallets")

	// 1. Three concurrent POSTs with ?wait, as the seed's loop does.
	d := startDaemon(t, dir, "--pool-size", "9")
	ids := make([]string, 3)
	var wg sync.WaitGroup
	errs := make(chan error, 3)
	for i := range 3 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			body := fmt.Sprintf(`{"buyer_id":"buyer%d","vendor_id":"vendor%d","amount":1000000000000}`, i, i)
			code, m, err := d.call(http.MethodPost, "/api/escrow/init?wait=5m", body)
			if err != nil || code != http.StatusOK || m["status"] != "ready" || m["multisig_address"] == "" {
				errs <- fmt.Errorf("escrow %d: %d %v %v", i, code, m, err)
				return
			}
			ids[i] = m["escrow_id"].(string)
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	for _, id := range ids {
		f := readTrace(t, d, id)
		if f.EscrowID != id || f.Outcome != escrowtrace.OutcomeSuccess || f.TraceID != strings.ReplaceAll(id, "-", "") {
			t.Fatalf("trace of %s: escrow %s, trace %s, outcome %s", id, f.EscrowID, f.TraceID, f.Outcome)
		}
		// The trace's start is logged through the daemon's logger, with both IDs.
		if want := fmt.Sprintf("msg=\"escrow trace started\" escrow_id=%s trace_id=%s", id, f.TraceID); !strings.Contains(d.log(), want) {
			t.Errorf("the daemon's log lacks %q", want)
		}
	}

	// 2. SIGKILL while an escrow runs, then restart.
	code, m := d.mustCall(http.MethodPost, "/api/escrow/init", `{"buyer_id":"kb","vendor_id":"kv","amount":5}`)
	if code != http.StatusAccepted {
		t.Fatalf("init: %d %v", code, m)
	}
	killed := m["escrow_id"].(string)
	d.waitStatus(killed, "running")
	d.stop(syscall.SIGKILL)
	// The servers get SIGTERM from the kernel (parent-death signal).
	waitNoWalletServers(t, walletDir)

	d = startDaemon(t, dir, "--pool-size", "3", "--shutdown-timeout", "1s")
	m = d.waitStatus(killed, "failed")
	if m["error"] != store.ReasonInterrupted {
		t.Fatalf("killed escrow after restart: %v", m)
	}
	for _, id := range ids {
		if _, m := d.mustCall(http.MethodGet, "/api/escrow/"+id, ""); m["status"] != "ready" {
			t.Fatalf("escrow %s after restart: %v", id, m)
		}
	}
	if code, m := d.mustCall(http.MethodGet, "/healthz", ""); code != http.StatusOK {
		t.Fatalf("healthz after restart: %d %v", code, m)
	}
	if code, m := d.mustCall(http.MethodGet, "/api/escrows?status=failed", ""); code != 200 || m["count"] != float64(1) {
		t.Fatalf("failed list: %d %v", code, m)
	}

	// 3. SIGTERM with an escrow running and a short shutdown timeout: it is
	// stopped and marked, its trace flushed, no wallet server is left.
	code, m = d.mustCall(http.MethodPost, "/api/escrow/init", `{"buyer_id":"tb","vendor_id":"tv","amount":7}`)
	if code != http.StatusAccepted {
		t.Fatalf("init: %d %v", code, m)
	}
	termed := m["escrow_id"].(string)
	d.waitStatus(termed, "running")
	d.stop(syscall.SIGTERM)
	if code := d.Cmd.ProcessState.ExitCode(); code != 0 {
		t.Fatalf("exit code %d after SIGTERM:\n%s", code, d.log())
	}
	if pids := walletServers(t, walletDir); len(pids) != 0 {
		t.Fatalf("wallet servers left after SIGTERM: %v", pids)
	}
	st, err := store.Open(context.Background(), filepath.Join(dir, "data", "escrowd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	e, err := st.Get(context.Background(), termed)
	if err != nil {
		t.Fatal(err)
	}
	// Either it made it within the second or it was stopped; never left running.
	if !(e.Status == store.StatusReady || e.Status == store.StatusFailed && e.Error == "shutdown") {
		t.Fatalf("escrow after SIGTERM: %+v", e)
	}
	raw, err := os.ReadFile(filepath.Join(dir, "traces", "escrow_"+termed+".json"))
	if err != nil {
		t.Fatalf("trace not flushed at shutdown: %v", err)
	}
	var f escrowtrace.File
	if err := json.Unmarshal(raw, &f); err != nil || f.EscrowID != termed || f.Outcome == "" {
		t.Fatalf("trace after SIGTERM: %v %+v", err, f)
	}
	t.Logf("after SIGTERM: escrow %s, trace outcome %s, %d events", e.Status, f.Outcome, len(f.Events))
}
