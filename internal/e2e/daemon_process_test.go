package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"syscall"
	"testing"

	"github.com/escrowd/escrowd/internal/daemontest"
)

// daemonStopTimeout covers the shutdown: escrows are done by then, so it is
// the exporters' flush and the wallet server's stop.
const daemonStopTimeout = daemontest.DefaultStopTimeout

func TestMain(m *testing.M) {
	os.Exit(daemontest.Main(m))
}

// buildEscrowd is cmd/escrowd, built once per test binary.
func buildEscrowd(t *testing.T) string {
	t.Helper()
	return daemontest.Binary(t)
}

// escrowdProc is one running escrowd process (daemontest's) owned by a test,
// with this package's request helpers.
type escrowdProc struct {
	*daemontest.Proc
	t   *testing.T
	url string // http://127.0.0.1:PORT
}

// startEscrowd runs bin with args and env added to daemontest.CleanEnv and
// waits (deadline-bound) until /readyz answers 200. The process is stopped
// at cleanup if it still runs; its log is shown when the test failed.
func startEscrowd(t *testing.T, bin string, env []string, args ...string) *escrowdProc {
	t.Helper()
	p := daemontest.Start(t, daemontest.Options{Binary: bin, Args: args, Env: env, Clean: true,
		StopTimeout: daemonStopTimeout})
	return &escrowdProc{Proc: p, t: t, url: p.URL}
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
	if err := p.Stop(syscall.SIGTERM, daemonStopTimeout); err != nil {
		p.t.Fatalf("SIGTERM escrowd: %v", err)
	}
	if code := p.Cmd.ProcessState.ExitCode(); code != 0 {
		p.t.Fatalf("escrowd exited with %d after SIGTERM:\n%s", code, p.Log())
	}
}
