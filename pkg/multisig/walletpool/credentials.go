package walletpool

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
)

// credentials are one process's --rpc-login. They are random per process so
// that a leftover or foreign server on a reused port cannot pass for ours:
// it would answer 401.
type credentials struct {
	user, pass string
}

func newCredentials() (credentials, error) {
	u, err := randomHex(8)
	if err != nil {
		return credentials{}, err
	}
	p, err := randomHex(24)
	if err != nil {
		return credentials{}, err
	}
	return credentials{user: "escrowd-" + u, pass: p}, nil
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("walletpool: random credentials: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// writeConfigFile writes the credentials as a monero config file (mode
// 0600). monero-wallet-rpc reads rpc-login from --config-file, which keeps
// the password out of argv, where /proc/<pid>/cmdline would show it to
// every process of the same user. The file is removed once the process has
// read it (see removeConfigFile).
func writeConfigFile(path string, c credentials) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("walletpool: remove stale config file: %w", err)
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("walletpool: create config file: %w", err)
	}
	_, err = fmt.Fprintf(f, "rpc-login=%s:%s\n", c.user, c.pass)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(path)
		return fmt.Errorf("walletpool: write config file: %w", err)
	}
	return nil
}

func removeConfigFile(path string) {
	_ = os.Remove(path) // best effort: the directory is 0700 anyway
}
