package main

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/daemontest"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// hostileToken is the token of the suite's second daemon (32 bytes and more).
const hostileToken = "hostile-suite-token-0123456789abcdef"

// hostileDo sends one request as a hostile client shapes it: any method,
// Host, headers, body; it returns the status and body.
func hostileDo(t *testing.T, client *http.Client, method, rawURL, host, body string, header http.Header) (int, string) {
	t.Helper()
	req, err := http.NewRequest(method, rawURL, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header = header.Clone()
	if req.Header == nil {
		req.Header = http.Header{}
	}
	if host != "" {
		req.Host = host
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, rawURL, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, string(b)
}

// escrowCount is how many escrows the daemon has stored.
func escrowCount(t *testing.T, d *daemon, header http.Header) int {
	t.Helper()
	code, body := hostileDo(t, http.DefaultClient, http.MethodGet, d.url+"/api/escrows?limit=1000", "", "", header)
	if code != http.StatusOK {
		t.Fatalf("list escrows: %d %s", code, body)
	}
	var m struct{ Count int }
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		t.Fatal(err)
	}
	return m.Count
}

// closedWithin reports whether the server closes conn (EOF or reset, maybe
// after an error answer) within limit.
func closedWithin(conn net.Conn, limit time.Duration) (bool, string) {
	if err := conn.SetReadDeadline(time.Now().Add(limit)); err != nil {
		return false, err.Error()
	}
	got, err := io.ReadAll(conn)
	if isTimeout(err) {
		return false, fmt.Sprintf("still open after %s (read %q)", limit, got)
	}
	return true, string(got)
}

func fileState(t *testing.T, path string) ([]byte, os.FileInfo) {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	return b, fi
}

func randomTraceparent() string {
	var b [24]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic(err)
	}
	return "00-" + hex.EncodeToString(b[:16]) + "-" + hex.EncodeToString(b[16:]) + "-01"
}

// TestHostileClients runs the hostile clients of the security review against
// the real escrowd binary with real wallet servers: a traces directory
// others can write to, cross-site and DNS-rebinding requests, a slow body
// and an idle connection, a trace file swapped for a link to master.key,
// and a flood of unauthenticated requests with trace context while an
// escrow runs. Each is answered as designed, nothing is stored, no trace is
// lost or rewritten.
func TestHostileClients(t *testing.T) {
	needWalletRPC(t)
	dir := t.TempDir()
	traces := filepath.Join(dir, "traces")

	// 0. A traces directory writable by others: escrowd does not start.
	if err := os.MkdirAll(traces, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(traces, 0o777); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(daemontest.Binary(t), "--listen", "127.0.0.1:0", "--data-dir", filepath.Join(dir, "data"),
		"--traces-dir", traces, "--instrument=true", "--pool-size", "3", "--reserve", "0", "--offline")
	cmd.Env = append(os.Environ(), "OTEL_EXPORTER_OTLP_ENDPOINT=", "ESCROWD_API_TOKEN=")
	out, err := cmd.CombinedOutput()
	if err == nil || !strings.Contains(string(out), "must not be writable by group or others") {
		t.Fatalf("escrowd on a 0777 traces directory: %v\n%s", err, out)
	}
	if err := os.Chmod(traces, 0o700); err != nil {
		t.Fatal(err)
	}

	// 1. The default listener: loopback, no token. Short read and idle
	// timeouts so that the slow clients are cut off quickly.
	t.Setenv("ESCROWD_API_TOKEN", "")
	d := startDaemon(t, dir, "--pool-size", "3", "--reserve", "0", "--read-timeout", "2s", "--idle-timeout", "2s")
	u, err := url.Parse(d.url)
	if err != nil {
		t.Fatal(err)
	}
	jsonCT := http.Header{"Content-Type": {"application/json"}}
	body := `{"buyer_id":"hb","vendor_id":"hv","amount":1000}`
	refusals := []struct {
		name, method, path, host string
		header                   http.Header
		want                     int
		say                      string
	}{
		{"CSRF: text/plain form", "POST", "/api/escrow/init", "", http.Header{"Content-Type": {"text/plain"}, "Origin": {"https://evil.example"}}, 403, "cross-site"},
		{"CSRF: text/plain, no origin", "POST", "/api/escrow/init", "", http.Header{"Content-Type": {"text/plain"}}, 415, "application/json"},
		{"CSRF: JSON with a foreign origin", "POST", "/api/escrow/init", "", http.Header{"Content-Type": {"application/json"}, "Origin": {"http://evil.example"}}, 403, "cross-site"},
		{"rebinding: create", "POST", "/api/escrow/init", "rebind.evil.example:" + u.Port(), http.Header{"Content-Type": {"application/json"}, "Origin": {"http://rebind.evil.example:" + u.Port()}}, 421, "DNS rebinding"},
		{"rebinding: read", "GET", "/api/escrows", "rebind.evil.example:" + u.Port(), nil, 421, "DNS rebinding"},
		{"rebinding: pages", "GET", "/ui/", "rebind.evil.example", nil, 421, "DNS rebinding"},
	}
	for _, r := range refusals {
		code, answer := hostileDo(t, http.DefaultClient, r.method, d.url+r.path, r.host, body, r.header)
		if code != r.want || !strings.Contains(answer, r.say) {
			t.Errorf("%s: %d %s, want %d saying %q", r.name, code, answer, r.want, r.say)
		}
	}
	if n := escrowCount(t, d, nil); n != 0 {
		t.Fatalf("%d escrows stored by refused requests", n)
	}

	// A slow body: headers, then 10 of 100 bytes, then nothing. Cut off
	// within the read timeout (2 s; 30 s allowed for a loaded machine).
	conn, err := net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "POST /api/escrow/init HTTP/1.1\r\nHost: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"buyer_id", u.Host)
	start := time.Now()
	closed, got := closedWithin(conn, 30*time.Second)
	conn.Close()
	if !closed {
		t.Errorf("slow body: %s", got)
	}
	t.Logf("slow body: connection closed after %s (read timeout 2s)", time.Since(start).Round(100*time.Millisecond))

	// An idle keep-alive connection: one request, then silence.
	conn, err = net.Dial("tcp", u.Host)
	if err != nil {
		t.Fatal(err)
	}
	fmt.Fprintf(conn, "GET /healthz HTTP/1.1\r\nHost: %s\r\n\r\n", u.Host)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatal(err)
	}
	io.Copy(io.Discard, resp.Body) //nolint:errcheck
	resp.Body.Close()
	start = time.Now()
	if err := conn.SetReadDeadline(time.Now().Add(30 * time.Second)); err != nil {
		t.Fatal(err)
	}
	if _, err := br.ReadByte(); err == nil || isTimeout(err) {
		t.Errorf("idle keep-alive connection still open after 30 s (idle timeout 2s): %v", err)
	}
	conn.Close()
	t.Logf("idle keep-alive: connection closed after %s (idle timeout 2s)", time.Since(start).Round(100*time.Millisecond))
	if n := escrowCount(t, d, nil); n != 0 {
		t.Fatalf("%d escrows stored by the slow clients", n)
	}

	// A real escrow whose ?wait= outlasts the read timeout: still answered.
	code, answer := hostileDo(t, http.DefaultClient, http.MethodPost, d.url+"/api/escrow/init?wait=5m", "", body, jsonCT)
	var first map[string]any
	if err := json.Unmarshal([]byte(answer), &first); err != nil || code != http.StatusOK || first["status"] != "ready" {
		t.Fatalf("escrow with ?wait= beyond the read timeout: %d %s", code, answer)
	}
	firstID := first["escrow_id"].(string)

	// Its trace file swapped for a link to master.key: not served.
	key, err := os.ReadFile(filepath.Join(dir, "data", "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	tracePath := filepath.Join(traces, "escrow_"+firstID+".json")
	saved := tracePath + ".saved"
	if err := os.Rename(tracePath, saved); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(filepath.Join(dir, "data", "master.key"), tracePath); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/api/escrow/" + firstID + "/trace", "/ui/escrow/" + firstID} {
		code, answer := hostileDo(t, http.DefaultClient, http.MethodGet, d.url+p, "", "", nil)
		if code == http.StatusOK || strings.Contains(answer, string(key)) || strings.Contains(answer, hex.EncodeToString(key)) {
			t.Errorf("GET %s with the trace file a link to master.key: %d %.200q", p, code, answer)
		}
	}
	if err := os.Remove(tracePath); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(saved, tracePath); err != nil {
		t.Fatal(err)
	}
	d.stop(syscall.SIGTERM)

	// 2. With a token: an escrow runs while 1,100 unauthenticated requests
	// with random trace context arrive (more than the exporter's 1,024
	// waiting traces), and as many authenticated ones with random remote
	// parents. Its trace file is complete afterwards.
	t.Setenv("ESCROWD_API_TOKEN", hostileToken)
	d = startDaemon(t, dir, "--pool-size", "3", "--reserve", "0")
	auth := http.Header{"Authorization": {"Bearer " + hostileToken}, "Content-Type": {"application/json"}}
	code, answer = hostileDo(t, http.DefaultClient, http.MethodPost, d.url+"/api/escrow/init", "", `{"buyer_id":"fb","vendor_id":"fv","amount":1000}`, auth)
	var m map[string]any
	if err := json.Unmarshal([]byte(answer), &m); err != nil || code != http.StatusAccepted {
		t.Fatalf("init: %d %s", code, answer)
	}
	id := m["escrow_id"].(string)
	waitRunning(t, d, id, auth)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 8}}
	defer client.CloseIdleConnections()
	flood := func(n int, header http.Header, wantCode int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		bad := map[int]int{}
		jobs := make(chan int)
		for range 8 {
			wg.Go(func() {
				for range jobs {
					h := header.Clone()
					h.Set("Traceparent", randomTraceparent())
					req, _ := http.NewRequest(http.MethodGet, d.url+"/api/escrows?limit=1", nil)
					req.Header = h
					resp, err := client.Do(req)
					if err != nil {
						mu.Lock()
						bad[-1]++
						mu.Unlock()
						continue
					}
					io.Copy(io.Discard, resp.Body) //nolint:errcheck
					resp.Body.Close()
					if resp.StatusCode != wantCode {
						mu.Lock()
						bad[resp.StatusCode]++
						mu.Unlock()
					}
				}
			})
		}
		for i := range n {
			jobs <- i
		}
		close(jobs)
		wg.Wait()
		if len(bad) > 0 {
			t.Errorf("flood: unexpected answers (status: count) %v, want all %d", bad, wantCode)
		}
	}
	flood(1100, http.Header{}, http.StatusUnauthorized)
	flood(1100, http.Header{"Authorization": {"Bearer " + hostileToken}}, http.StatusOK)
	_, st := hostileDo(t, http.DefaultClient, http.MethodGet, d.url+"/api/escrow/"+id, "", "", auth)
	t.Logf("after the floods the escrow is %s", st)
	done := waitFinal(t, d, id, auth)
	if done["status"] != "ready" {
		t.Fatalf("escrow after the flood: %v", done)
	}
	path := filepath.Join(traces, "escrow_"+id+".json")
	before, fi1 := fileState(t, path)
	f, err := escrowtrace.Decode(bytes.NewReader(before))
	if err != nil {
		t.Fatalf("trace file after the flood: %v", err)
	}
	if f.EscrowID != id || f.Outcome != escrowtrace.OutcomeSuccess || len(f.Events) < 20 {
		t.Fatalf("trace after the flood: escrow %s, outcome %s, %d events", f.EscrowID, f.Outcome, len(f.Events))
	}

	// 3. Requests that carry the finished escrow's own trace context, with
	// and without the token: the file is never rewritten.
	tp := "00-" + strings.ReplaceAll(id, "-", "") + "-00f067aa0ba902b7-01"
	for _, h := range []http.Header{
		{"Traceparent": {tp}},
		{"Traceparent": {tp}, "Authorization": {"Bearer wrong-token-wrong-token-wrong-token"}},
		{"Traceparent": {tp}, "Authorization": {"Bearer " + hostileToken}},
	} {
		for _, p := range []string{"/api/escrow/" + id, "/api/escrow/" + id + "/trace", "/ui/escrow/" + id} {
			hostileDo(t, http.DefaultClient, http.MethodGet, d.url+p, "", "", h)
		}
	}
	d.stop(syscall.SIGTERM) // flushes the exporters: any pending rewrite would land now
	after, fi2 := fileState(t, path)
	if !bytes.Equal(before, after) || !os.SameFile(fi1, fi2) || !fi1.ModTime().Equal(fi2.ModTime()) {
		t.Errorf("the escrow's trace file changed after requests carrying its trace context")
	}
}

func isTimeout(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) && ne.Timeout()
}

func waitRunning(t *testing.T, d *daemon, id string, h http.Header) {
	t.Helper()
	deadline := time.Now().Add(3 * time.Minute)
	for time.Now().Before(deadline) {
		_, body := hostileDo(t, http.DefaultClient, http.MethodGet, d.url+"/api/escrow/"+id, "", "", h)
		if strings.Contains(body, `"status":"running"`) {
			return
		}
		time.Sleep(20 * time.Millisecond) // polling the daemon's state
	}
	t.Fatalf("escrow %s never ran", id)
}

func waitFinal(t *testing.T, d *daemon, id string, h http.Header) map[string]any {
	t.Helper()
	deadline := time.Now().Add(5 * time.Minute)
	for time.Now().Before(deadline) {
		_, body := hostileDo(t, http.DefaultClient, http.MethodGet, d.url+"/api/escrow/"+id, "", "", h)
		var m map[string]any
		if err := json.Unmarshal([]byte(body), &m); err == nil && (m["status"] == "ready" || m["status"] == "failed") {
			return m
		}
		time.Sleep(100 * time.Millisecond) // polling the daemon's state
	}
	t.Fatalf("escrow %s never ended", id)
	return nil
}
