package e2e

import (
	"bufio"
	"bytes"
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
)

// Bounds of the daemon's process life in these tests: guards against a hang,
// never a measurement.
const (
	// daemonStartTimeout covers starting the embedded wallet server on a
	// loaded machine.
	daemonStartTimeout = 90 * time.Second
	// daemonStopTimeout covers the shutdown: escrows are done by then, so it
	// is the exporters' flush and the wallet server's stop.
	daemonStopTimeout = 2 * time.Minute
)

// buildEscrowd builds cmd/escrowd into the test's temporary directory.
func buildEscrowd(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "escrowd")
	cmd := exec.Command("go", "build", "-o", bin, "github.com/escrowd/escrowd/cmd/escrowd")
	cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("build escrowd: %v\n%s", err, out)
	}
	return bin
}

// escrowdProc is one running escrowd process owned by a test.
type escrowdProc struct {
	t      *testing.T
	cmd    *exec.Cmd
	url    string // http://127.0.0.1:PORT
	mu     sync.Mutex
	log    bytes.Buffer // stderr: the slog lines
	exited chan struct{}
}

// cleanEnv is the test's environment without the settings that would change
// what escrowd does under test: the developer's ESCROWD_*, OTEL_* and
// ENABLE_INSTRUMENTATION.
func cleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ESCROWD_") || strings.HasPrefix(kv, "OTEL_") || strings.HasPrefix(kv, "ENABLE_INSTRUMENTATION=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

// startEscrowd runs bin with args and env added to cleanEnv, reads the
// listening address from its first stdout line and waits (deadline-bound)
// until /readyz answers 200. The process gets SIGTERM at cleanup if it still
// runs; its log is shown when the test failed.
func startEscrowd(t *testing.T, bin string, env []string, args ...string) *escrowdProc {
	t.Helper()
	cmd := exec.Command(bin, args...)
	cmd.Env = append(cleanEnv(), env...)
	// The daemon goes with the test binary if that dies without cleanups.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	p := &escrowdProc{t: t, cmd: cmd, exited: make(chan struct{})}
	cmd.Stderr = writerFunc(func(b []byte) (int, error) {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.log.Write(b)
	})
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start escrowd: %v", err)
	}
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
	}()
	go func() {
		_ = cmd.Wait() // the exit status is read from ProcessState
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			_ = cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-p.exited:
			case <-time.After(daemonStopTimeout):
				_ = cmd.Process.Kill()
				<-p.exited
			}
		}
		if t.Failed() {
			t.Logf("escrowd's log:\n%s", p.Log())
		}
	})

	deadline := time.After(daemonStartTimeout)
	select {
	case line := <-lines:
		const prefix = "escrowd listening on "
		if !strings.HasPrefix(line, prefix) {
			t.Fatalf("escrowd's first stdout line %q", line)
		}
		p.url = strings.TrimPrefix(line, prefix)
	case <-p.exited:
		t.Fatalf("escrowd exited at start:\n%s", p.Log())
	case <-deadline:
		t.Fatalf("escrowd did not listen within %v:\n%s", daemonStartTimeout, p.Log())
	}
	for {
		if code, _, err := p.do(context.Background(), http.MethodGet, "/readyz", "", nil); err == nil && code == http.StatusOK {
			return p
		}
		select {
		case <-p.exited:
			t.Fatalf("escrowd exited before ready:\n%s", p.Log())
		case <-deadline:
			t.Fatalf("escrowd not ready within %v:\n%s", daemonStartTimeout, p.Log())
		case <-time.After(100 * time.Millisecond): // polling a process coming up
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(b []byte) (int, error) { return f(b) }

// Log is what escrowd wrote to stderr so far.
func (p *escrowdProc) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// do sends one request with the given headers and returns the status and body.
func (p *escrowdProc) do(ctx context.Context, method, path, body string, header http.Header) (int, []byte, error) {
	req, err := http.NewRequestWithContext(ctx, method, p.url+path, strings.NewReader(body))
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return resp.StatusCode, nil, fmt.Errorf("%s %s: read body: %w", method, path, err)
	}
	return resp.StatusCode, b, nil
}

// escrowAnswer is the part of the API's escrow view the tests read.
type escrowAnswer struct {
	EscrowID string `json:"escrow_id"`
	TraceID  string `json:"trace_id"`
	Status   string `json:"status"`
	Error    string `json:"error"`
}

// initEscrow is POST /api/escrow/init?wait=... with a W3C traceparent header;
// it returns the finished escrow (200) or an error.
func (p *escrowdProc) initEscrow(ctx context.Context, buyer, traceparent string) (escrowAnswer, error) {
	body := fmt.Sprintf(`{"buyer_id":%q,"vendor_id":"vendor-%s","amount":1000000000000}`, buyer, buyer)
	code, b, err := p.do(ctx, http.MethodPost, "/api/escrow/init?wait=5m", body, http.Header{"Traceparent": {traceparent}})
	if err != nil {
		return escrowAnswer{}, err
	}
	if code != http.StatusOK {
		return escrowAnswer{}, fmt.Errorf("POST /api/escrow/init for %s: HTTP %d: %s", buyer, code, b)
	}
	var a escrowAnswer
	if err := json.Unmarshal(b, &a); err != nil {
		return escrowAnswer{}, fmt.Errorf("POST /api/escrow/init for %s: decode %s: %w", buyer, b, err)
	}
	return a, nil
}

// traceFile is GET /api/escrow/:id/trace: the escrow's escrow_<id>.json as served.
func (p *escrowdProc) traceFile(ctx context.Context, id string) ([]byte, error) {
	code, b, err := p.do(ctx, http.MethodGet, "/api/escrow/"+id+"/trace", "", nil)
	if err != nil {
		return nil, err
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("GET /api/escrow/%s/trace: HTTP %d: %s", id, code, b)
	}
	return b, nil
}

// terminate sends SIGTERM and waits (deadline-bound) for the exit; a non-zero
// exit code fails the test.
func (p *escrowdProc) terminate() {
	p.t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		p.t.Fatalf("SIGTERM escrowd: %v", err)
	}
	select {
	case <-p.exited:
	case <-time.After(daemonStopTimeout):
		p.t.Fatalf("escrowd still running %v after SIGTERM:\n%s", daemonStopTimeout, p.Log())
	}
	if code := p.cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Fatalf("escrowd exited with %d after SIGTERM:\n%s", code, p.Log())
	}
}
