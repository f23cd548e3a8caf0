package daemontest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// Bounds of a daemon's process life: guards against a hang, never a
// measurement.
const (
	// DefaultStartTimeout covers starting the embedded wallet servers on a
	// loaded machine.
	DefaultStartTimeout = 90 * time.Second
	// DefaultStopTimeout covers a graceful shutdown: the exporters' flush
	// and the wallet servers' stop.
	DefaultStopTimeout = 2 * time.Minute
)

// Options say how Start runs escrowd.
type Options struct {
	// Binary is the escrowd executable. Default: Binary(tb).
	Binary string
	// Args is the whole command line after the program name.
	Args []string
	// Env is added to the environment: the test's, or CleanEnv() with
	// Clean set.
	Env []string
	// Clean starts from CleanEnv() instead of the whole test environment.
	Clean bool
	// StartTimeout bounds listening plus /readyz. Default DefaultStartTimeout.
	StartTimeout time.Duration
	// StopTimeout is the grace between SIGTERM and SIGKILL at cleanup.
	// Default DefaultStopTimeout.
	StopTimeout time.Duration
	// Chain runs escrowd with a chain: by default its embedded monerod
	// --regtest. Without it, Start adds --offline (setups only: no monerod
	// started per test) unless Args already say --offline, --daemon-address
	// or --network.
	Chain bool
}

// ChainStartTimeout is Start's default bound with Options.Chain: monerod
// starts before the wallet servers.
const ChainStartTimeout = 3 * time.Minute

// OfflineArgs is args with --offline added, unless they already choose the
// chain (--offline, --daemon-address, --network): what Start runs without
// Options.Chain.
func OfflineArgs(args []string) []string {
	for _, a := range args {
		name, _, _ := strings.Cut(strings.TrimLeft(a, "-"), "=")
		if strings.HasPrefix(a, "-") && (name == "offline" || name == "daemon-address" || name == "network") {
			return args
		}
	}
	return append(slices.Clone(args), "--offline")
}

// Proc is one running escrowd owned by a test.
type Proc struct {
	// URL is http://127.0.0.1:PORT, from escrowd's first stdout line.
	URL string
	// Cmd is the process; its ProcessState is set once Exited is closed.
	Cmd *exec.Cmd

	mu     sync.Mutex
	log    bytes.Buffer // stderr: the slog lines
	exited chan struct{}
}

// CleanEnv is the test's environment without the settings that would change
// what escrowd does under test: ESCROWD_*, OTEL_* and ENABLE_INSTRUMENTATION.
func CleanEnv() []string {
	var out []string
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, "ESCROWD_") || strings.HasPrefix(kv, "OTEL_") || strings.HasPrefix(kv, "ENABLE_INSTRUMENTATION=") {
			continue
		}
		out = append(out, kv)
	}
	return out
}

type logWriter struct{ p *Proc }

func (w logWriter) Write(b []byte) (int, error) {
	w.p.mu.Lock()
	defer w.p.mu.Unlock()
	return w.p.log.Write(b)
}

// Start runs escrowd, reads its listening address and waits until /readyz
// answers 200; it fails the test if escrowd exits or the deadline passes
// first. At cleanup a running escrowd gets SIGTERM, then SIGKILL after
// StopTimeout; its log is shown when the test failed.
func Start(tb testing.TB, o Options) *Proc {
	tb.Helper()
	if o.Binary == "" {
		o.Binary = Binary(tb)
	}
	if o.StartTimeout == 0 {
		o.StartTimeout = DefaultStartTimeout
		if o.Chain {
			o.StartTimeout = ChainStartTimeout
		}
	}
	if !o.Chain {
		o.Args = OfflineArgs(o.Args)
	}
	if o.StopTimeout == 0 {
		o.StopTimeout = DefaultStopTimeout
	}
	cmd := exec.Command(o.Binary, o.Args...)
	base := os.Environ()
	if o.Clean {
		base = CleanEnv()
	}
	cmd.Env = append(base, o.Env...)
	// The daemon goes with the test binary if that dies without cleanups.
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGTERM}
	// A child of escrowd holding its stderr open must not keep Wait (and so
	// Exited) from returning once escrowd itself is gone.
	cmd.WaitDelay = 10 * time.Second
	p := &Proc{Cmd: cmd, exited: make(chan struct{})}
	cmd.Stderr = logWriter{p}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		tb.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		tb.Fatalf("start escrowd: %v", err)
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
	tb.Cleanup(func() {
		if err := p.Stop(syscall.SIGTERM, o.StopTimeout); err != nil {
			tb.Error(err)
		}
		if tb.Failed() {
			tb.Logf("escrowd's log:\n%s", p.Log())
		}
	})

	deadline := time.After(o.StartTimeout)
	select {
	case line := <-lines:
		const prefix = "escrowd listening on "
		if !strings.HasPrefix(line, prefix) {
			tb.Fatalf("escrowd's first stdout line %q", line)
		}
		p.URL = strings.TrimPrefix(line, prefix)
	case <-p.exited:
		tb.Fatalf("escrowd exited at start:\n%s", p.Log())
	case <-deadline:
		tb.Fatalf("escrowd did not listen within %v:\n%s", o.StartTimeout, p.Log())
	}
	for !ready(p.URL) {
		select {
		case <-p.exited:
			tb.Fatalf("escrowd exited before ready:\n%s", p.Log())
		case <-deadline:
			tb.Fatalf("escrowd not ready within %v:\n%s", o.StartTimeout, p.Log())
		case <-time.After(100 * time.Millisecond): // polling a process coming up
		}
	}
	return p
}

// Log is what escrowd wrote to stderr so far.
func (p *Proc) Log() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.log.String()
}

// Exited is closed when the process has exited.
func (p *Proc) Exited() <-chan struct{} { return p.exited }

// Stop sends sig unless the process already exited and waits up to grace;
// then it kills the process, waits for it and reports that it had to.
func (p *Proc) Stop(sig syscall.Signal, grace time.Duration) error {
	select {
	case <-p.exited:
		return nil
	default:
	}
	if err := p.Cmd.Process.Signal(sig); err != nil && !errors.Is(err, os.ErrProcessDone) {
		return fmt.Errorf("daemontest: signal %v: %w", sig, err)
	}
	select {
	case <-p.exited:
		return nil
	case <-time.After(grace):
	}
	_ = p.Cmd.Process.Kill()
	<-p.exited
	return fmt.Errorf("daemontest: escrowd still running %v after %v; killed:\n%s", grace, sig, p.Log())
}

// ready reports whether url's /readyz answers 200.
func ready(url string) bool {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url+"/readyz", nil)
	if err != nil {
		return false
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return false
	}
	resp.Body.Close()
	return resp.StatusCode == http.StatusOK
}

// WaitReady polls url's /readyz until it answers 200, failing the test after
// timeout.
func WaitReady(tb testing.TB, url string, timeout time.Duration) {
	tb.Helper()
	deadline := time.Now().Add(timeout)
	for !ready(url) {
		if time.Now().After(deadline) {
			tb.Fatalf("%s not ready within %v", url, timeout)
		}
		time.Sleep(100 * time.Millisecond) // polling a server coming up
	}
}
