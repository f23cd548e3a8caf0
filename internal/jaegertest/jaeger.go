package jaegertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

const (
	// readyTimeout bounds start-up: Jaeger is ready in ~0.1 s, the rest is
	// room for a loaded 2-core machine.
	readyTimeout = 30 * time.Second
	// stopTimeout bounds the wait after SIGTERM before SIGKILL.
	stopTimeout = 10 * time.Second
	// startAttempts covers another process taking a picked port before Jaeger binds it.
	startAttempts = 3
	// maxTraces is what a test's Jaeger keeps in memory.
	maxTraces = 10000
)

// Jaeger is a running Jaeger process owned by one test.
type Jaeger struct {
	cmd     *exec.Cmd
	done    chan struct{} // closed when the process has exited
	waitErr error         // valid after done is closed
	logPath string

	otlpGRPC, otlpHTTP, queryHTTP, queryGRPC, health string

	client *http.Client
}

// errAddrInUse marks a start that failed because a picked port was taken.
var errAddrInUse = errors.New("address already in use")

// Start runs a Jaeger for the test and stops it (SIGTERM, then wait) when the
// test and its subtests end. It fails the test when Jaeger does not become
// ready; see the package comment for how the binary is found.
func Start(t testing.TB) *Jaeger {
	t.Helper()
	root, err := repoRoot()
	if err != nil {
		t.Fatalf("jaegertest: %v", err)
	}
	bin := binary(t, root)
	config := filepath.Join(root, "deploy", "jaeger", "config.yaml")
	for attempt := 1; ; attempt++ {
		j, err := start(bin, config, t.TempDir())
		if err == nil {
			t.Cleanup(func() {
				if err := j.stop(); err != nil {
					t.Errorf("jaegertest: stop: %v", err)
				}
				if t.Failed() {
					t.Logf("jaegertest: Jaeger's log:\n%s", j.logTail())
				}
			})
			return j
		}
		if !errors.Is(err, errAddrInUse) || attempt == startAttempts {
			t.Fatalf("jaegertest: %v", err)
		}
	}
}

// start runs one Jaeger with fresh free ports and waits until it is ready.
func start(bin, config, dir string) (*Jaeger, error) {
	addrs, err := freeAddrs(5)
	if err != nil {
		return nil, err
	}
	j := &Jaeger{
		done:     make(chan struct{}),
		logPath:  filepath.Join(dir, "jaeger.log"),
		otlpGRPC: addrs[0], otlpHTTP: addrs[1], queryHTTP: addrs[2], queryGRPC: addrs[3], health: addrs[4],
		client: &http.Client{Timeout: 10 * time.Second},
	}
	logFile, err := os.OpenFile(j.logPath, os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return nil, fmt.Errorf("jaeger log: %w", err)
	}
	defer logFile.Close() // the child has its own descriptor

	// The shipped config with the ports moved through its variables: tests
	// run the very file that `make jaeger` runs.
	j.cmd = exec.Command(bin, "--config", config)
	j.cmd.Dir = dir
	j.cmd.Env = append(withoutJaegerEnv(os.Environ()),
		"JAEGER_OTLP_GRPC="+j.otlpGRPC,
		"JAEGER_OTLP_HTTP="+j.otlpHTTP,
		"JAEGER_QUERY_HTTP="+j.queryHTTP,
		"JAEGER_QUERY_GRPC="+j.queryGRPC,
		"JAEGER_HEALTH="+j.health,
		fmt.Sprintf("JAEGER_MAX_TRACES=%d", maxTraces),
		"JAEGER_LOG_LEVEL=info",
	)
	j.cmd.Stdout, j.cmd.Stderr = logFile, logFile
	// If the test binary dies without running cleanups, Jaeger goes with it.
	j.cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	if err := j.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", bin, err)
	}
	go func() {
		j.waitErr = j.cmd.Wait()
		close(j.done)
	}()

	if err := j.waitReady(); err != nil {
		_ = j.stop()
		tail := j.logTail()
		if strings.Contains(tail, "address already in use") {
			return nil, fmt.Errorf("%w: %v", errAddrInUse, err)
		}
		return nil, fmt.Errorf("%v\n%s", err, tail)
	}
	return j, nil
}

// withoutJaegerEnv drops the developer's JAEGER_* overrides so that only the
// ports picked here apply.
func withoutJaegerEnv(env []string) []string {
	out := env[:0:0]
	for _, kv := range env {
		if !strings.HasPrefix(kv, "JAEGER_") {
			out = append(out, kv)
		}
	}
	return out
}

// waitReady polls GET /status of the health check until it answers 200.
func (j *Jaeger) waitReady() error {
	ctx, cancel := context.WithTimeout(context.Background(), readyTimeout)
	defer cancel()
	url := "http://" + j.health + "/status"
	for delay := 10 * time.Millisecond; ; delay = min(2*delay, 200*time.Millisecond) {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
		if err != nil {
			return fmt.Errorf("jaeger health check: %w", err)
		}
		if resp, err := j.client.Do(req); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		select {
		case <-j.done:
			return fmt.Errorf("jaeger exited during start-up: %v", j.waitErr)
		case <-ctx.Done():
			return fmt.Errorf("jaeger not ready on %s after %v", url, readyTimeout)
		case <-time.After(delay):
		}
	}
}

// stop sends SIGTERM and waits for the exit, then SIGKILL after stopTimeout.
// An exit caused by our SIGTERM is not an error.
func (j *Jaeger) stop() error {
	select {
	case <-j.done:
		// Nobody asked it to stop: a crash the test may have read as "no trace".
		return fmt.Errorf("jaeger (pid %d) exited before the test ended: %v", j.cmd.Process.Pid, j.waitErr)
	default:
	}
	if err := j.cmd.Process.Signal(syscall.SIGTERM); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("SIGTERM jaeger (pid %d): %w", j.cmd.Process.Pid, err)
	}
	select {
	case <-j.done:
		if err := termExit(j.waitErr); err != nil {
			return fmt.Errorf("jaeger (pid %d) exit: %w", j.cmd.Process.Pid, err)
		}
		return nil
	case <-time.After(stopTimeout):
		_ = j.cmd.Process.Kill()
		<-j.done
		return fmt.Errorf("jaeger (pid %d) still running %v after SIGTERM: killed", j.cmd.Process.Pid, stopTimeout)
	}
}

// logTail is the end of Jaeger's log, for failure messages.
func (j *Jaeger) logTail() string {
	data, err := os.ReadFile(j.logPath)
	if err != nil {
		return fmt.Sprintf("(no log: %v)", err)
	}
	const max = 4096
	if len(data) > max {
		data = data[len(data)-max:]
		if i := bytes.IndexByte(data, '\n'); i >= 0 {
			data = data[i+1:]
		}
	}
	return string(data)
}

// OTLPEndpoint is the OTLP/gRPC receiver as host:port, for
// otlptracegrpc.WithEndpoint (with WithInsecure).
func (j *Jaeger) OTLPEndpoint() string { return j.otlpGRPC }

// OTLPHTTPEndpoint is the OTLP/HTTP receiver as host:port, for
// otlptracehttp.WithEndpoint (with WithInsecure).
func (j *Jaeger) OTLPHTTPEndpoint() string { return j.otlpHTTP }

// QueryURL is the base URL of the query API and UI, e.g. "http://127.0.0.1:PORT".
func (j *Jaeger) QueryURL() string { return "http://" + j.queryHTTP }

// PID is the Jaeger process's id.
func (j *Jaeger) PID() int { return j.cmd.Process.Pid }

// LogPath is the file that holds Jaeger's output.
func (j *Jaeger) LogPath() string { return j.logPath }

// termExit filters the outcomes of a SIGTERM: a clean exit or death by the
// signal itself are expected; anything else (a crash, a non-zero exit) is not.
func termExit(waitErr error) error {
	var ee *exec.ExitError
	if !errors.As(waitErr, &ee) {
		return waitErr
	}
	if st, ok := ee.Sys().(syscall.WaitStatus); ok && st.Signaled() && st.Signal() == syscall.SIGTERM {
		return nil
	}
	return waitErr
}
