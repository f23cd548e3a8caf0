package walletpool

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// portAttempts is how many ports one start tries when the process exits
// before answering (a port taken between freePort and bind).
const portAttempts = 3

// Restart backoff after failed restarts: the first restart after a healthy
// run is immediate, each consecutive failure doubles the wait up to the cap.
const (
	restartBackoffMin = 500 * time.Millisecond
	restartBackoffMax = 30 * time.Second
)

// Supervisor runs embedded monero-wallet-rpc processes: it starts them, keeps
// them running (restarting any that die, on the same port when it can) and
// stops them. Its Servers outlive nothing: after Stop they are unhealthy for
// good.
type Supervisor struct {
	cfg      SupervisorConfig
	binary   string
	log      *slog.Logger
	members  []*member
	servers  []*Server
	pickPort func() (int, error)

	// stopCtx ends monitors and any start or backoff in progress.
	stopCtx    context.Context
	stopCancel context.CancelFunc
	wg         sync.WaitGroup // monitors and reapers
	restarts   atomic.Int64
	stopOnce   sync.Once
	stopErr    error
}

// member is one supervised server and its current process.
type member struct {
	srv        *Server
	creds      credentials
	logFile    string
	configFile string

	mu       sync.Mutex
	cur      *proc
	stopping bool // set by Stop; no process is started after it
}

func (m *member) current() *proc {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.cur
}

// StartSupervisor validates cfg, prepares the directories, kills the servers
// a crashed run left on cfg.WalletDir (see reapOrphans), starts cfg.Count
// processes in parallel and returns once each answers get_version and has
// proved to be the process started (verifyOwn). If any cannot start, the
// others are stopped and the error says why. Servers of another escrowd
// still running on the same wallet directory make it fail with
// ErrWalletDirInUse. ctx bounds the start only; the processes run until
// Stop.
func StartSupervisor(ctx context.Context, cfg SupervisorConfig) (*Supervisor, error) {
	pick := freePort
	if !cfg.Ports.IsZero() {
		pick = (&rangePicker{r: cfg.Ports}).pick
	}
	return startSupervisor(ctx, cfg, pick)
}

// startSupervisor lets tests choose ports.
func startSupervisor(ctx context.Context, cfg SupervisorConfig, pickPort func() (int, error)) (*Supervisor, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	cfg, err := cfg.withDefaults()
	if err != nil {
		return nil, err
	}
	binary, err := exec.LookPath(cfg.Binary)
	if err != nil {
		return nil, fmt.Errorf("walletpool: wallet RPC binary %q not found (install Debian package monero, or set Binary): %w", cfg.Binary, err)
	}
	for _, dir := range []string{cfg.WalletDir, cfg.LogDir} {
		if err := privateDir(dir); err != nil {
			return nil, err
		}
	}
	if _, err := reapOrphans(ctx, cfg.WalletDir, cfg.Logger); err != nil {
		return nil, err
	}

	stopCtx, cancel := context.WithCancel(context.Background())
	s := &Supervisor{
		cfg: cfg, binary: binary, log: cfg.Logger, pickPort: pickPort,
		stopCtx: stopCtx, stopCancel: cancel,
	}
	for i := range cfg.Count {
		id := "wallet-rpc-" + strconv.Itoa(i)
		creds, err := newCredentials()
		if err != nil {
			cancel()
			return nil, err
		}
		m := &member{
			srv:        &Server{id: id, walletDir: cfg.WalletDir},
			creds:      creds,
			logFile:    filepath.Join(cfg.LogDir, id+".log"),
			configFile: filepath.Join(cfg.LogDir, id+".conf"),
		}
		m.srv.recycle = func(pid int, reason string) bool { return s.recycle(m, pid, reason) }
		s.members = append(s.members, m)
		s.servers = append(s.servers, m.srv)
	}

	errs := make([]error, len(s.members))
	var starting sync.WaitGroup
	for i, m := range s.members {
		starting.Go(func() { errs[i] = s.start(ctx, m, 0) })
	}
	starting.Wait()
	if err := errors.Join(errs...); err != nil {
		// Stop with a fresh context: ctx may be the reason we failed.
		_ = s.Stop(context.Background())
		return nil, fmt.Errorf("walletpool: start %d wallet RPC servers: %w", cfg.Count, err)
	}
	for _, m := range s.members {
		m.srv.setHealthy(true)
		s.wg.Add(1)
		go s.monitor(m)
	}
	s.log.Info("wallet RPC servers started", "count", cfg.Count, "wallet_dir", cfg.WalletDir, "log_dir", cfg.LogDir)
	return s, nil
}

// privateDir creates dir if needed and makes it 0700: wallet files are key
// material, logs name wallets.
func privateDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("walletpool: create %s: %w", dir, err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return fmt.Errorf("walletpool: chmod 0700 %s: %w", dir, err)
	}
	return nil
}

// Servers are the supervised servers, in a fixed order; the slice is the
// caller's.
func (s *Supervisor) Servers() []*Server {
	return append([]*Server(nil), s.servers...)
}

// Restarts counts the successful restarts of processes that died, over all
// servers.
func (s *Supervisor) Restarts() int { return int(s.restarts.Load()) }

// start runs one process for m until it answers: on port if > 0 first, else
// on fresh ports, trying another port when the process exits early. On
// success m's Server points to the new process (URL, Client, PID); health is
// left to the caller.
func (s *Supervisor) start(ctx context.Context, m *member, port int) error {
	var errs []error
	for attempt := range portAttempts {
		if attempt > 0 || port == 0 {
			p, err := s.pickPort()
			if err != nil {
				return fmt.Errorf("%s: %w", m.srv.id, err)
			}
			port = p
		}
		err := s.startOn(ctx, m, port)
		if err == nil {
			return nil
		}
		errs = append(errs, fmt.Errorf("port %d: %w", port, err))
		if !errors.Is(err, errExited) && !errors.Is(err, errNotOurs) || ctx.Err() != nil {
			break
		}
	}
	return fmt.Errorf("%s (log %s): %w", m.srv.id, m.logFile, errors.Join(errs...))
}

func (s *Supervisor) startOn(ctx context.Context, m *member, port int) error {
	url := "http://127.0.0.1:" + strconv.Itoa(port)
	client, err := walletrpc.New(walletrpc.Options{URL: url, Username: m.creds.user, Password: m.creds.pass})
	if err != nil {
		return err
	}
	if err := writeConfigFile(m.configFile, m.creds); err != nil {
		return err
	}
	defer removeConfigFile(m.configFile) // read at start-up; no need to keep the secret on disk

	// Start under m.mu so that Stop either sees this process or prevents it.
	m.mu.Lock()
	if m.stopping {
		m.mu.Unlock()
		return fmt.Errorf("supervisor stopping: %w", context.Canceled)
	}
	p, err := spawn(s.cfg, s.binary, port, m.logFile, m.configFile, &s.wg)
	if err != nil {
		m.mu.Unlock()
		return err
	}
	m.cur = p
	m.mu.Unlock()

	readyCtx, cancel := context.WithTimeout(ctx, s.cfg.StartTimeout)
	defer cancel()
	if err := waitReady(readyCtx, p, client); err != nil {
		// Never leave a half-started process behind; it has saved nothing.
		terminate(context.Background(), p, 0)
		return err
	}
	// Whatever answered may be a process that took the port first: before
	// anyone sends it a wallet password, make sure it is ours.
	if err := verifyOwn(readyCtx, p, port, client); err != nil {
		terminate(context.Background(), p, 0)
		s.log.Warn("wallet RPC server port answered by another process; trying another port",
			"server", m.srv.id, "port", port, "err", err)
		return err
	}
	if s.cfg.BackgroundRefreshOff {
		if err := client.DisableAutoRefresh(readyCtx); err != nil {
			terminate(context.Background(), p, 0)
			return fmt.Errorf("turn background refresh off: %w", err)
		}
	}
	m.srv.ep.Store(&endpoint{url: url, client: client})
	m.srv.pid.Store(int64(p.cmd.Process.Pid))
	s.log.Debug("wallet RPC server answering", "server", m.srv.id, "pid", p.cmd.Process.Pid, "url", url)
	return nil
}

// monitor restarts m's process whenever it dies until Stop.
func (s *Supervisor) monitor(m *member) {
	defer s.wg.Done()
	for {
		p := m.current()
		select {
		case <-p.exited:
		case <-s.stopCtx.Done():
			return
		}
		if s.stopCtx.Err() != nil {
			return // Stop's own SIGTERM
		}
		m.srv.setHealthy(false)
		m.srv.pid.Store(0)
		s.log.Warn("wallet RPC server died; restarting", "server", m.srv.id, "pid", p.cmd.Process.Pid,
			"port", p.port, "err", p.exitError(), "log", m.logFile)

		for failures := 0; ; failures++ {
			if !s.pause(backoff(failures)) {
				return
			}
			err := s.start(s.stopCtx, m, p.port)
			if err == nil {
				break
			}
			if s.stopCtx.Err() != nil {
				return
			}
			s.log.Warn("wallet RPC server restart failed", "server", m.srv.id, "attempt", failures+1,
				"retry_in", backoff(failures+1), "err", err)
		}
		s.restarts.Add(1)
		m.srv.setHealthy(true)
		s.log.Info("wallet RPC server restarted", "server", m.srv.id, "pid", m.srv.PID(), "url", m.srv.URL())
	}
}

// recycle kills m's process pid, if it is m's current one, so that monitor
// restarts it; see Server.Recycle.
func (s *Supervisor) recycle(m *member, pid int, reason string) bool {
	m.mu.Lock()
	p := m.cur
	stopping := m.stopping
	m.mu.Unlock()
	if stopping || s.stopCtx.Err() != nil || p == nil || p.cmd.Process.Pid != pid || p.hasExited() {
		return false
	}
	m.srv.setHealthy(false)
	s.log.Warn("wallet RPC server not answering; killing it for a restart", "server", m.srv.id, "pid", pid, "reason", reason)
	if err := p.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		// It exited meanwhile: monitor restarts it all the same.
		s.log.Debug("kill wallet RPC server", "server", m.srv.id, "pid", pid, "err", err)
	}
	return true
}

// backoff is the wait before restart attempt failures+1.
func backoff(failures int) time.Duration {
	if failures == 0 {
		return 0
	}
	d := restartBackoffMin
	for i := 1; i < failures && d < restartBackoffMax; i++ {
		d *= 2
	}
	return min(d, restartBackoffMax)
}

// pause waits d unless Stop comes first; it reports whether to go on.
func (s *Supervisor) pause(d time.Duration) bool {
	if d <= 0 {
		return s.stopCtx.Err() == nil
	}
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return true
	case <-s.stopCtx.Done():
		return false
	}
}

// Stop ends all processes: SIGTERM (each saves its open wallet), then
// SIGKILL for those still running after StopTimeout or once ctx ends. It
// returns after every process has been reaped and every supervisor goroutine
// has ended. It is idempotent: later calls return the first call's result.
// The error reports processes that had to be killed (ErrKilled).
func (s *Supervisor) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() { s.stopErr = s.stop(ctx) })
	return s.stopErr
}

func (s *Supervisor) stop(ctx context.Context) error {
	s.stopCancel()
	errs := make([]error, len(s.members))
	var stopping sync.WaitGroup
	for i, m := range s.members {
		m.mu.Lock()
		m.stopping = true
		p := m.cur
		m.mu.Unlock()
		stopping.Go(func() {
			if terminate(ctx, p, s.cfg.StopTimeout) {
				errs[i] = fmt.Errorf("%s (pid %d) %w", m.srv.id, p.cmd.Process.Pid, ErrKilled)
			}
			m.srv.setHealthy(false)
			m.srv.pid.Store(0)
		})
	}
	stopping.Wait()
	s.wg.Wait()
	if err := errors.Join(errs...); err != nil {
		s.log.Warn("wallet RPC servers stopped", "err", err)
		return fmt.Errorf("walletpool: stop: %w", err)
	}
	s.log.Info("wallet RPC servers stopped", "count", len(s.members))
	return nil
}
