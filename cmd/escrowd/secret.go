package main

import (
	"crypto/rand"
	"encoding/hex"
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
//
// A missing secret is created only when walletDir holds no wallet: wallets
// made with a lost secret cannot be opened with a new one, and creating it
// would hide that until the first escrow needs one of them.
func loadSecret(path string, create bool, walletDir string) ([]byte, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) && create {
		if err := noWallets(path, walletDir); err != nil {
			return nil, err
		}
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

// noWallets refuses to go on when walletDir holds wallet key files.
func noWallets(path, walletDir string) error {
	keys, err := filepath.Glob(filepath.Join(walletDir, "*.keys"))
	if err != nil {
		return fmt.Errorf("master secret: look for wallets in %s: %w", walletDir, err)
	}
	if len(keys) == 0 {
		return nil
	}
	return fmt.Errorf("master secret %s is missing, but %s holds %d wallets (e.g. %s) whose passwords come from it: "+
		"a new secret would leave them unopenable. Restore %s from a backup; or, to start afresh and give those "+
		"wallets up, move %s away first",
		path, walletDir, len(keys), filepath.Base(keys[0]), path, walletDir)
}

// createSecret writes a new secret atomically: a temporary file in the same
// directory, written and fsynced, then linked to path and the directory
// fsynced, so that a crash leaves either no secret or the whole one, never
// a short file. A link, not a rename: it fails if path exists, so two
// daemons starting on one data dir cannot each install their own; the
// loser reads the winner's.
func createSecret(path string) ([]byte, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("master secret: %w", err)
	}
	b := make([]byte, secretLen)
	if _, err := rand.Read(b); err != nil {
		return nil, fmt.Errorf("master secret: %w", err)
	}
	tmp, err := writeTemp(dir, filepath.Base(path), b)
	if err != nil {
		return nil, fmt.Errorf("master secret: write %s: %w", path, err)
	}
	defer os.Remove(tmp) // the link holds the data; the temporary name goes
	if err := os.Link(tmp, path); err != nil {
		if errors.Is(err, fs.ErrExist) {
			return loadSecret(path, false, "")
		}
		return nil, fmt.Errorf("master secret: install %s: %w", path, err)
	}
	if err := syncDir(dir); err != nil {
		return nil, fmt.Errorf("master secret: %w", err)
	}
	return b, nil
}

// writeTemp writes data to a new 0600 file in dir, fsynced, and returns its
// path; on error nothing is left.
func writeTemp(dir, base string, data []byte) (string, error) {
	suffix := make([]byte, 8)
	if _, err := rand.Read(suffix); err != nil {
		return "", err
	}
	tmp := filepath.Join(dir, "."+base+".tmp-"+hex.EncodeToString(suffix))
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return "", err
	}
	_, err = f.Write(data)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(tmp)
		return "", err
	}
	return tmp, nil
}

// syncDir makes a directory's entries (a new link) durable.
func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("sync %s: %w", dir, err)
	}
	return nil
}
