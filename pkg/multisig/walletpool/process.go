package walletpool

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"regexp"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Log rotation bounds per process: monero's defaults (100 MB x 50 files)
// would let a long-running pool fill the disk.
const (
	maxLogFileSize = 10 << 20
	maxLogFiles    = 3
)

// pollInterval is the pause between get_version probes while a process
// starts; it answers after about one second.
const pollInterval = 50 * time.Millisecond

// proc is one run of a monero-wallet-rpc process.
type proc struct {
	cmd    *exec.Cmd
	port   int
	out    *tailBuffer
	exited chan struct{} // closed after cmd.Wait returned
	err    error         // cmd.Wait's result, set before exited is closed
}

func (p *proc) hasExited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// exitError describes how the process ended, with the end of its output
// (where monero says why, e.g. "Failed to bind IPv4").
func (p *proc) exitError() error {
	tail := p.out.lastLine()
	if tail == "" {
		return fmt.Errorf("exited: %v", p.err)
	}
	return fmt.Errorf("exited: %v: %s", p.err, tail)
}

// serverArgs is the command line of one server. Credentials are not in it:
// they come from the config file.
func serverArgs(cfg SupervisorConfig, port int, logFile, configFile string) []string {
	args := []string{
		"--rpc-bind-ip", "127.0.0.1",
		"--rpc-bind-port", strconv.Itoa(port),
		"--wallet-dir", cfg.WalletDir,
		// TLS on loopback only costs start-up time (FACTS: 1.5-3.6 s).
		"--daemon-ssl", "disabled",
		"--rpc-ssl", "disabled",
		"--log-file", logFile,
		"--log-level", "0",
		"--max-log-file-size", strconv.Itoa(maxLogFileSize),
		"--max-log-files", strconv.Itoa(maxLogFiles),
		"--non-interactive",
		"--config-file", configFile,
	}
	if cfg.Daemon == "" {
		args = append(args, "--offline")
	} else {
		args = append(args, "--daemon-address", cfg.Daemon, "--trusted-daemon")
	}
	return append(args, cfg.ExtraArgs...)
}

// spawn starts the process; wg tracks the goroutine that reaps it.
func spawn(cfg SupervisorConfig, binary string, port int, logFile, configFile string, wg *sync.WaitGroup) (*proc, error) {
	cmd := exec.Command(binary, serverArgs(cfg, port, logFile, configFile)...)
	cmd.Dir = cfg.LogDir // it may drop files in its working directory
	cmd.Env = childEnv(cfg.WalletDir, os.Getpid())
	out := &tailBuffer{max: 4096}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	p := &proc{cmd: cmd, port: port, out: out, exited: make(chan struct{})}
	started := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Pdeathsig fires when the OS thread that forked the child exits,
		// not the process (golang/go#27505). Fork and wait on one locked
		// thread, which waiting in wait4 occupies anyway, so that no other
		// goroutine can end that thread while the server runs.
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		if err := cmd.Start(); err != nil {
			started <- err
			return
		}
		started <- nil
		p.err = cmd.Wait()
		close(p.exited)
	}()
	if err := <-started; err != nil {
		return nil, fmt.Errorf("start %s: %w", binary, err)
	}
	return p, nil
}

// errExited says the process ended before it answered; another port may
// help (the usual cause is a port taken between freePort and bind).
var errExited = errors.New("process exited before answering")

// waitReady polls get_version until the process answers with our
// credentials, exits, or ctx ends.
func waitReady(ctx context.Context, p *proc, c *walletrpc.Client) error {
	for {
		attempt, cancel := context.WithTimeout(ctx, 2*time.Second)
		_, err := c.GetVersion(attempt)
		cancel()
		if err == nil {
			return nil
		}
		// Any error, including 401 from a foreign server that took our
		// port, means "not ours yet": keep polling until ours exits.
		t := time.NewTimer(pollInterval)
		select {
		case <-p.exited:
			t.Stop()
			return fmt.Errorf("%w: %w", errExited, p.exitError())
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("no answer: %w (last: %w)", ctx.Err(), err)
		case <-t.C:
		}
	}
}

// verifyOwn confirms that the server answering on port is p: the socket
// listening there is p's, and the server proves that it holds client's
// credentials (walletrpc.Client.VerifyServer). Either failure wraps
// errNotOurs, and the caller tries another port.
func verifyOwn(ctx context.Context, p *proc, port int, client *walletrpc.Client) error {
	if p.hasExited() {
		return fmt.Errorf("%w: %w", errExited, p.exitError())
	}
	if err := checkListener(p.cmd.Process.Pid, port); err != nil {
		return err
	}
	if err := client.VerifyServer(ctx); err != nil {
		if errors.Is(err, walletrpc.ErrForeignServer) {
			return fmt.Errorf("%w: %w", errNotOurs, err)
		}
		return err
	}
	return nil
}

// terminate sends SIGTERM (monero-wallet-rpc saves the open wallet), waits
// up to grace or until ctx ends, then SIGKILLs. It returns whether the
// process had to be killed, and always waits for the process to be reaped.
func terminate(ctx context.Context, p *proc, grace time.Duration) (killed bool) {
	if p == nil || p.hasExited() {
		return false
	}
	if err := signalGroup(p.cmd.Process, syscall.SIGTERM); err != nil {
		_ = p.cmd.Process.Signal(syscall.SIGTERM)
	}
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.exited:
		return false
	case <-t.C:
	case <-ctx.Done():
	}
	if err := signalGroup(p.cmd.Process, syscall.SIGKILL); err != nil {
		_ = p.cmd.Process.Kill()
	}
	<-p.exited
	return true
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

var ansiEscape = regexp.MustCompile(`\x1b\[[0-9;]*m`)

// lastLine says why the process ended, from what it printed: its first
// fatal ("F") line, else its first error ("E") line, else its last line,
// without colour codes. Monero prints the cause first, consequences after.
func (b *tailBuffer) lastLine() string {
	b.mu.Lock()
	text := ansiEscape.ReplaceAllString(string(b.buf), "")
	b.mu.Unlock()
	var firstF, firstE, last string
	for _, l := range strings.Split(text, "\n") {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		last = l
		// "2026-11-26 19:33:41.860	F Error starting server: ..."
		f := strings.Fields(l)
		switch {
		case len(f) < 3:
		case f[2] == "F" && firstF == "":
			firstF = l
		case f[2] == "E" && firstE == "":
			firstE = l
		}
	}
	switch {
	case firstF != "":
		return firstF
	case firstE != "":
		return firstE
	}
	return last
}
