package chain

import (
	"errors"
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"time"
)

// Defaults for Config's zero values.
const (
	DefaultBinary       = "monerod"
	DefaultStartTimeout = 2 * time.Minute
	DefaultStopTimeout  = 20 * time.Second
)

// Config configures an embedded monerod --regtest.
type Config struct {
	// Binary is the monerod executable: a path or a name looked up in PATH.
	// Default DefaultBinary.
	Binary string
	// DataDir holds the chain (kept across restarts: --keep-fakechain) and
	// the log. It is created if missing and set to mode 0700. Required.
	DataDir string
	// RPCPort is the loopback port of the daemon's RPC; 0 picks a free one.
	// The port stays the same across restarts: wallet servers keep it.
	RPCPort int
	// StartTimeout bounds one start: from exec to the first get_info
	// answer. Default DefaultStartTimeout (a big chain takes a while to load).
	StartTimeout time.Duration
	// StopTimeout is the grace between SIGTERM (monerod saves its database)
	// and SIGKILL. Default DefaultStopTimeout.
	StopTimeout time.Duration
	// Logger receives process lifecycle events. Default slog.Default().
	Logger *slog.Logger
}

// Validate reports the first problem with c, saying what to change.
func (c Config) Validate() error {
	if strings.TrimSpace(c.DataDir) == "" {
		return errors.New("chain: DataDir is required")
	}
	if c.RPCPort < 0 || c.RPCPort > 65535 {
		return fmt.Errorf("chain: RPCPort %d: must be 0..65535 (0 = pick a free port)", c.RPCPort)
	}
	if c.StartTimeout < 0 {
		return fmt.Errorf("chain: StartTimeout %v: must be >= 0 (0 = default %v)", c.StartTimeout, DefaultStartTimeout)
	}
	if c.StopTimeout < 0 {
		return fmt.Errorf("chain: StopTimeout %v: must be >= 0 (0 = default %v)", c.StopTimeout, DefaultStopTimeout)
	}
	return nil
}

// withDefaults fills zero values; c must be valid.
func (c Config) withDefaults() (Config, error) {
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
	dir, err := filepath.Abs(c.DataDir)
	if err != nil {
		return c, fmt.Errorf("chain: DataDir %q: %w", c.DataDir, err)
	}
	c.DataDir = dir
	return c, nil
}
