package main

import (
	"crypto/rand"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// secretLen is the size of a generated master secret; multisig needs >= 32 bytes.
const secretLen = 32

// loadSecret reads the master secret, creating it (32 random bytes, 0600) on
// first start. Wallet passwords are derived from it: a file others can read
// gives them every wallet, so a loose mode is refused, not repaired silently.
func loadSecret(path string, create bool) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		return createSecret(path)
	}
	if err != nil {
		return nil, fmt.Errorf("master secret: %w", err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("master secret: %w", err)
	}
	if fi.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("master secret %s has mode %o: others can read it; run chmod 600 %s", path, fi.Mode().Perm(), path)
	}
	if len(b) < secretLen {
		return nil, fmt.Errorf("master secret %s holds %d bytes, at least %d needed", path, len(b), secretLen)
	}
	return b, nil
}

func createSecret(path string) ([]byte, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, fmt.Errorf("master secret: %w", err)
	}
	b := make([]byte, secretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("master secret: %w", err)
	}
	// O_EXCL: two daemons starting on one data dir must not each write their own.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, fmt.Errorf("master secret: create %s: %w", path, err)
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return nil, fmt.Errorf("master secret: write %s: %w", path, err)
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return nil, fmt.Errorf("master secret: write %s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return nil, fmt.Errorf("master secret: write %s: %w", path, err)
	}
	return b, nil
}
