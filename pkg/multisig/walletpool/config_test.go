package walletpool

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSupervisorConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		cfg     SupervisorConfig
		wantErr string // "" = valid
	}{
		{"minimal", SupervisorConfig{Count: 1, WalletDir: "w"}, ""},
		{"full", SupervisorConfig{Count: 9, WalletDir: "w", LogDir: "l", StartTimeout: time.Second,
			StopTimeout: time.Second, Daemon: "127.0.0.1:18081", ExtraArgs: []string{"--max-concurrency=1"}}, ""},
		{"zero count", SupervisorConfig{WalletDir: "w"}, "Count 0"},
		{"too many", SupervisorConfig{Count: MaxCount + 1, WalletDir: "w"}, "Count"},
		{"no wallet dir", SupervisorConfig{Count: 1}, "WalletDir is required"},
		{"negative start timeout", SupervisorConfig{Count: 1, WalletDir: "w", StartTimeout: -1}, "StartTimeout"},
		{"negative stop timeout", SupervisorConfig{Count: 1, WalletDir: "w", StopTimeout: -1}, "StopTimeout"},
		{"daemon URL", SupervisorConfig{Count: 1, WalletDir: "w", Daemon: "http://x:1"}, "host:port"},
		{"extra bind ip", SupervisorConfig{Count: 1, WalletDir: "w", ExtraArgs: []string{"--rpc-bind-ip=0.0.0.0"}}, "--rpc-bind-ip"},
		{"extra login", SupervisorConfig{Count: 1, WalletDir: "w", ExtraArgs: []string{"--disable-rpc-login"}}, "--disable-rpc-login"},
		{"extra external bind", SupervisorConfig{Count: 1, WalletDir: "w", ExtraArgs: []string{"--confirm-external-bind"}}, "--confirm-external-bind"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.cfg.Validate()
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("Validate: %v", err)
			case tt.wantErr != "" && err == nil:
				t.Fatalf("Validate succeeded, want error containing %q", tt.wantErr)
			case tt.wantErr != "" && !strings.Contains(err.Error(), tt.wantErr):
				t.Fatalf("Validate: %v, want it to contain %q", err, tt.wantErr)
			}
		})
	}
}

func TestSupervisorConfigDefaults(t *testing.T) {
	dir := t.TempDir()
	c, err := SupervisorConfig{Count: 1, WalletDir: filepath.Join(dir, "data", "wallets")}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	if want := filepath.Join(dir, "data", "logs"); c.LogDir != want {
		t.Errorf("LogDir = %q, want %q", c.LogDir, want)
	}
	if c.Binary != DefaultBinary || c.StartTimeout != DefaultStartTimeout || c.StopTimeout != DefaultStopTimeout || c.Logger == nil {
		t.Errorf("defaults not applied: %+v", c)
	}
}

func TestBackoff(t *testing.T) {
	tests := []struct {
		failures int
		want     time.Duration
	}{
		{0, 0},
		{1, restartBackoffMin},
		{2, 2 * restartBackoffMin},
		{3, 4 * restartBackoffMin},
		{100, restartBackoffMax},
	}
	for _, tt := range tests {
		if got := backoff(tt.failures); got != tt.want {
			t.Errorf("backoff(%d) = %v, want %v", tt.failures, got, tt.want)
		}
	}
}
