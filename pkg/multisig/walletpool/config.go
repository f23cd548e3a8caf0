package walletpool

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for SupervisorConfig's zero values.
const (
	DefaultBinary       = "monero-wallet-rpc"
	DefaultStartTimeout = 30 * time.Second
	DefaultStopTimeout  = 10 * time.Second
	// MaxCount bounds SupervisorConfig.Count: each process costs ~22-40 MB
	// and ~1 s of CPU to start.
	MaxCount = 256
)

// SupervisorConfig configures Count embedded monero-wallet-rpc processes.
type SupervisorConfig struct {
	// Count is the number of processes, 1..MaxCount.
	Count int
	// Binary is the monero-wallet-rpc executable: a path, or a name looked
	// up in PATH. Default DefaultBinary.
	Binary string
	// WalletDir is the one wallet directory all servers share. It is
	// created if missing and set to mode 0700. Required.
	WalletDir string
	// LogDir holds each process's log file and, during start-up, its
	// credentials file. Created with mode 0700. Default: "logs" beside
	// WalletDir (WalletDir/../logs).
	LogDir string
	// StartTimeout bounds how long one process may take to answer
	// get_version after it was started. Default DefaultStartTimeout.
	StartTimeout time.Duration
	// StopTimeout is the grace between SIGTERM (the process saves its
	// wallet) and SIGKILL. Default DefaultStopTimeout.
	StopTimeout time.Duration
	// Daemon is a monerod address (host:port) to use as a trusted daemon;
	// "" runs the servers with --offline, which is enough for multisig setup.
	Daemon string
	// ExtraArgs are appended to every process's command line. They must not
	// set the flags the supervisor owns (bind address and port, login, SSL,
	// wallet dir, log file, config file, offline/daemon).
	ExtraArgs []string
	// Logger receives process lifecycle events. Default slog.Default().
	Logger *slog.Logger
	// Ports is the loopback port range the servers take their ports from
	// (a restart, or a port found taken or answered by another program,
	// moves to the next free one). It needs at least Count ports. Zero: any
	// free port.
	Ports PortRange
	// BackgroundRefreshOff turns each server's background refresh off
	// (auto_refresh {"enable": false}) as soon as it answers, at its first
	// start and at every restart, before it is handed out. monero-wallet-rpc
	// otherwise refreshes an open wallet by itself at a moment of its
	// choosing (see walletrpc.Client.DisableAutoRefresh): a protocol that
	// must run on exactly the state its own calls made (a test of the
	// naive payout mode, which reproduces a missing refresh) needs it off.
	// The setting is the server's: it holds for every wallet the server
	// opens, until someone turns it on again (a naive payout does, after
	// its lease).
	BackgroundRefreshOff bool
}

// ownedFlags are set by the supervisor; letting ExtraArgs override them could
// expose a server beyond loopback or without credentials.
var ownedFlags = []string{
	"--rpc-bind-ip", "--rpc-bind-port", "--rpc-bind-ipv6-address", "--rpc-use-ipv6",
	"--rpc-restricted-bind-ip", "--rpc-restricted-bind-port", "--rpc-restricted-bind-ipv6-address",
	"--confirm-external-bind", "--rpc-login", "--disable-rpc-login", "--rpc-ssl", "--daemon-ssl",
	"--wallet-dir", "--wallet-file", "--log-file", "--config-file", "--offline",
	"--daemon-address", "--detach", "--non-interactive",
}

// Validate reports the first problem with c, saying what to change.
func (c SupervisorConfig) Validate() error {
	if c.Count < 1 || c.Count > MaxCount {
		return fmt.Errorf("walletpool: Count %d: must be 1..%d", c.Count, MaxCount)
	}
	if strings.TrimSpace(c.WalletDir) == "" {
		return errors.New("walletpool: WalletDir is required")
	}
	if c.StartTimeout < 0 {
		return fmt.Errorf("walletpool: StartTimeout %v: must be >= 0 (0 = default %v)", c.StartTimeout, DefaultStartTimeout)
	}
	if c.StopTimeout < 0 {
		return fmt.Errorf("walletpool: StopTimeout %v: must be >= 0 (0 = default %v)", c.StopTimeout, DefaultStopTimeout)
	}
	if c.Daemon != "" && strings.ContainsAny(c.Daemon, " \t\n/") {
		return fmt.Errorf("walletpool: Daemon %q: want host:port", c.Daemon)
	}
	if !c.Ports.IsZero() {
		if err := c.Ports.check(); err != nil {
			return fmt.Errorf("walletpool: Ports: %w", err)
		}
		if c.Ports.Size() < c.Count {
			return fmt.Errorf("walletpool: Ports %s: %d ports for %d servers; widen the range to at least %d ports", c.Ports, c.Ports.Size(), c.Count, c.Count)
		}
	}
	for _, a := range c.ExtraArgs {
		name, _, _ := strings.Cut(a, "=")
		for _, f := range ownedFlags {
			if name == f {
				return fmt.Errorf("walletpool: ExtraArgs: %s is set by the supervisor; remove it", f)
			}
		}
	}
	return nil
}

// withDefaults fills zero values; c must be valid.
func (c SupervisorConfig) withDefaults() (SupervisorConfig, error) {
	if c.Binary == "" {
		c.Binary = DefaultBinary
	}
	if c.StartTimeout == 0 {
		c.StartTimeout = DefaultStartTimeout
	}
	if c.StopTimeout == 0 {
		c.StopTimeout = DefaultStopTimeout
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	// Absolute paths: the processes run in LogDir, and their argv is read by
	// tests and operators.
	wd, err := filepath.Abs(c.WalletDir)
	if err != nil {
		return c, fmt.Errorf("walletpool: WalletDir %q: %w", c.WalletDir, err)
	}
	c.WalletDir = wd
	if c.LogDir == "" {
		c.LogDir = filepath.Join(filepath.Dir(wd), "logs")
	}
	ld, err := filepath.Abs(c.LogDir)
	if err != nil {
		return c, fmt.Errorf("walletpool: LogDir %q: %w", c.LogDir, err)
	}
	c.LogDir = ld
	return c, nil
}
