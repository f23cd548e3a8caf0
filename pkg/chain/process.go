package chain

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// Log rotation bounds: monero's defaults (100 MB x 50 files) would let a
// long-running daemon fill the disk.
const (
	maxLogFileSize = 10 << 20
	maxLogFiles    = 3
)

// proc is one run of a monerod process.
type proc struct {
	cmd    *exec.Cmd
	out    *tail
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

// daemonArgs is monerod's command line: regtest on a chain kept across
// restarts, loopback RPC only, no peers (--offline: no P2P listener), no
// ZMQ, no UPnP, no TLS on loopback, no RPC bans (a test's bad request must
// not lock escrowd out of its own daemon).
func daemonArgs(cfg Config, port int) []string {
	return []string{
		"--regtest", "--keep-fakechain", "--offline", "--fixed-difficulty", "1",
		"--data-dir", cfg.DataDir,
		"--rpc-bind-ip", "127.0.0.1", "--rpc-bind-port", strconv.Itoa(port),
		"--p2p-bind-ip", "127.0.0.1", "--no-zmq", "--no-igd",
		"--rpc-ssl", "disabled", "--disable-rpc-ban",
		"--log-file", filepath.Join(cfg.DataDir, "monerod.log"), "--log-level", "0",
		"--max-log-file-size", strconv.Itoa(maxLogFileSize), "--max-log-files", strconv.Itoa(maxLogFiles),
		"--non-interactive",
	}
}

// spawn starts monerod with a minimal environment. wg tracks the goroutine
// that reaps it.
func spawn(cfg Config, binary string, port int, wg *sync.WaitGroup) (*proc, error) {
	cmd := exec.Command(binary, daemonArgs(cfg, port)...)
	cmd.Dir = cfg.DataDir
	// Nothing of escrowd's environment (credentials, proxies) reaches the
	// daemon; HOME keeps its defaults inside the data dir.
	cmd.Env = []string{"HOME=" + cfg.DataDir, "LANG=C"}
	out := &tail{max: 4096}
	cmd.Stdout, cmd.Stderr = out, out
	cmd.SysProcAttr = sysProcAttr()
	p := &proc{cmd: cmd, out: out, exited: make(chan struct{})}
	started := make(chan error, 1)
	wg.Add(1)
	go func() {
		defer wg.Done()
		// Pdeathsig fires when the forking OS thread exits (golang/go#27505):
		// fork and wait on one locked thread.
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
		return nil, fmt.Errorf("chain: start %s: %w", binary, err)
	}
	return p, nil
}

// terminate sends SIGTERM (monerod closes its database cleanly), waits up to
// grace, then SIGKILLs the process group. It always waits until the process
// is reaped and reports whether it had to be killed.
func terminate(p *proc, grace time.Duration) (killed bool) {
	if p == nil || p.hasExited() {
		return false
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGTERM)
	t := time.NewTimer(grace)
	defer t.Stop()
	select {
	case <-p.exited:
		return false
	case <-t.C:
	}
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
	<-p.exited
	return true
}

// tail keeps the last max bytes of the process's output, to say why it ended.
type tail struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (b *tail) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf = append(b.buf, p...)
	if over := len(b.buf) - b.max; over > 0 {
		b.buf = append(b.buf[:0], b.buf[over:]...)
	}
	return len(p), nil
}

func (b *tail) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return string(b.buf)
}
