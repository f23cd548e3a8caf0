package chain

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// pollInterval is the pause between get_info probes while monerod starts.
const pollInterval = 100 * time.Millisecond

// Daemon is an embedded, supervised monerod --regtest. Its methods are safe
// for concurrent use.
type Daemon struct {
	cfg    Config
	binary string
	port   int
	client *Client
	log    *slog.Logger

	mu       sync.Mutex
	cur      *proc
	stopping bool
	stopped  chan struct{} // closed by Stop: ends the monitor's waits

	ready    atomic.Bool
	restarts atomic.Int64
	wg       sync.WaitGroup // the reapers and the monitor
}

// Start starts monerod --regtest on cfg.DataDir and returns once it answers
// get_info. A process that dies later is restarted on the same port and data
// dir (the chain is kept), with a growing pause between failed starts. Stop
// ends it.
func Start(ctx context.Context, cfg Config) (*Daemon, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	binary, err := exec.LookPath(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("chain: monerod binary %q: %w (install Debian's monero package)", cfg.Binary, err)
	}
	if err := privateDir(cfg.DataDir); err != nil {
		return nil, err
	}
	port := cfg.RPCPort
	if port == 0 {
		if port, err = freePort(); err != nil {
			return nil, err
		}
	}
	addr := net.JoinHostPort("127.0.0.1", strconv.Itoa(port))
	client, err := NewClient(addr)
	if err != nil {
		return nil, err
	}
	d := &Daemon{cfg: cfg, binary: binary, port: port, client: client, log: cfg.Logger, stopped: make(chan struct{})}
	if err := d.start(ctx); err != nil {
		return nil, err
	}
	d.wg.Add(1)
	go d.monitor()
	return d, nil
}

// Address is the daemon's RPC host:port on loopback, for wallet servers'
// --daemon-address. It does not change across restarts.
func (d *Daemon) Address() string { return d.client.Address() }

// Client is a client of the daemon's RPC.
func (d *Daemon) Client() *Client { return d.client }

// Ready reports whether the daemon's current process answered get_info and
// still runs.
func (d *Daemon) Ready() bool { return d.ready.Load() }

// Restarts counts the processes started after the first one.
func (d *Daemon) Restarts() int { return int(d.restarts.Load()) }

// PID is the current process's ID, 0 while none runs.
func (d *Daemon) PID() int {
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.cur == nil || d.cur.hasExited() {
		return 0
	}
	return d.cur.cmd.Process.Pid
}

// WaitReady waits until the daemon is ready (after a restart) or ctx ends.
func (d *Daemon) WaitReady(ctx context.Context) error {
	for !d.Ready() {
		t := time.NewTimer(pollInterval)
		select {
		case <-ctx.Done():
			t.Stop()
			return fmt.Errorf("chain: waiting for monerod: %w", ctx.Err())
		case <-t.C:
		}
	}
	return nil
}

// start runs one process and waits until it answers, it exits, or the start
// timeout passes (then it is killed).
func (d *Daemon) start(ctx context.Context) error {
	d.mu.Lock()
	if d.stopping {
		d.mu.Unlock()
		return errors.New("chain: monerod is stopping")
	}
	p, err := spawn(d.cfg, d.binary, d.port, &d.wg)
	if err != nil {
		d.mu.Unlock()
		return err
	}
	d.cur = p
	d.mu.Unlock()
	ctx, cancel := context.WithTimeout(ctx, d.cfg.StartTimeout)
	defer cancel()
	for {
		attempt, acancel := context.WithTimeout(ctx, 5*time.Second)
		info, err := d.client.GetInfo(attempt)
		acancel()
		if err == nil {
			if !info.Regtest() {
				terminate(p, d.cfg.StopTimeout)
				return fmt.Errorf("chain: the daemon on %s runs %s, not regtest: another process holds the port", d.Address(), info.Nettype)
			}
			d.ready.Store(true)
			d.log.Info("monerod ready", "pid", p.cmd.Process.Pid, "address", d.Address(), "height", info.Height)
			return nil
		}
		t := time.NewTimer(pollInterval)
		select {
		case <-p.exited:
			t.Stop()
			return fmt.Errorf("chain: monerod exited before answering: %v: %s", p.err, lastLines(p.out.String(), 3))
		case <-ctx.Done():
			t.Stop()
			terminate(p, d.cfg.StopTimeout)
			return fmt.Errorf("chain: monerod did not answer get_info within %v (last: %w)", d.cfg.StartTimeout, err)
		case <-t.C:
		}
	}
}

// monitor restarts the daemon whenever its process ends, until Stop.
func (d *Daemon) monitor() {
	defer d.wg.Done()
	failures := 0
	for {
		d.mu.Lock()
		p := d.cur
		d.mu.Unlock()
		select {
		case <-p.exited:
		case <-d.stopped:
			return
		}
		d.ready.Store(false)
		d.mu.Lock()
		stopping := d.stopping
		d.mu.Unlock()
		if stopping {
			return
		}
		d.log.Warn("monerod exited; restarting", "err", p.err, "output", lastLines(p.out.String(), 2))
		for {
			if failures > 0 && !d.pause(backoff(failures)) {
				return
			}
			ctx, cancel := context.WithCancel(context.Background())
			go func() {
				select {
				case <-d.stopped:
					cancel()
				case <-ctx.Done():
				}
			}()
			err := d.start(ctx)
			cancel()
			if err == nil {
				d.restarts.Add(1)
				failures = 0
				break
			}
			failures++
			d.log.Warn("monerod restart failed", "err", err, "failures", failures)
			d.mu.Lock()
			stopping := d.stopping
			d.mu.Unlock()
			if stopping {
				return
			}
		}
	}
}

// backoff is the pause before the n-th retry of a failed start: 0.5 s
// doubling up to 30 s.
func backoff(n int) time.Duration {
	d := 500 * time.Millisecond
	for i := 1; i < n && d < 30*time.Second; i++ {
		d *= 2
	}
	return min(d, 30*time.Second)
}

func (d *Daemon) pause(t time.Duration) bool {
	timer := time.NewTimer(t)
	defer timer.Stop()
	select {
	case <-timer.C:
		return true
	case <-d.stopped:
		return false
	}
}

// Stop ends the daemon: SIGTERM, then SIGKILL after Config.StopTimeout (or
// when ctx ends), and waits until every process is reaped. It is safe to call
// more than once.
func (d *Daemon) Stop(ctx context.Context) error {
	d.mu.Lock()
	if d.stopping {
		d.mu.Unlock()
		d.wg.Wait()
		return nil
	}
	d.stopping = true
	close(d.stopped)
	p := d.cur
	d.mu.Unlock()
	d.ready.Store(false)
	grace := d.cfg.StopTimeout
	if dl, ok := ctx.Deadline(); ok {
		grace = min(grace, max(time.Until(dl), 0))
	}
	killed := terminate(p, grace)
	d.wg.Wait()
	if killed {
		d.log.Warn("monerod did not stop on SIGTERM; killed", "grace", grace)
	}
	return nil
}

// privateDir creates dir (and parents) and makes it 0700: the chain and the
// log are escrowd's alone.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("chain: data dir: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("chain: data dir: %w", err)
	}
	return nil
}

// freePort asks the kernel for a free loopback port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("chain: pick a port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

// lastLines is the end of the process's output, without colour codes.
func lastLines(s string, n int) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		l = strings.TrimSpace(strings.NewReplacer("\x1b[0m", "", "\x1b[1;31m", "", "\x1b[1;33m", "", "\x1b[0;36m", "").Replace(l))
		if l != "" {
			out = append(out, l)
		}
	}
	if len(out) > n {
		out = out[len(out)-n:]
	}
	return strings.Join(out, " | ")
}
