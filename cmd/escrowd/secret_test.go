package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

func TestLoadSecret(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d", "master.key")
	walletDir := filepath.Join(dir, "d", "wallets")
	first, err := loadSecret(path, true, walletDir)
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) != secretLen || fi.Mode().Perm() != 0o600 {
		t.Fatalf("created %d bytes, mode %o", len(first), fi.Mode().Perm())
	}
	onDisk, _ := os.ReadFile(path)
	if !bytes.Equal(onDisk, first) {
		t.Fatal("the file does not hold the secret returned")
	}
	noTemps(t, filepath.Dir(path))
	// With wallets made under it, the existing secret is read as before.
	if err := os.MkdirAll(walletDir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(walletDir, "escrow-1-buyer.keys"), []byte("k"), 0o600); err != nil {
		t.Fatal(err)
	}
	again, err := loadSecret(path, true, walletDir)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("second start read another secret (%v)", err)
	}

	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		create  bool
		wallets []string // files in the wallet dir
		want    string
	}{
		{"readable by others", bytes.Repeat([]byte{1}, 32), 0o644, false, nil, "chmod 600"},
		{"too short", []byte("short"), 0o600, false, nil, "holds 5 bytes, at least 32"},
		{"missing, not ours to create", nil, 0, false, nil, "no such file"},
		{"missing, wallets exist", nil, 0, true, []string{"a.keys", "a", "b.keys"},
			"is missing, but WALLETS holds 2 wallets (e.g. a.keys) whose passwords come from it: a new secret would leave them unopenable. Restore KEY from a backup"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := t.TempDir()
			p, wd := filepath.Join(d, "key"), filepath.Join(d, "wallets")
			if tt.content != nil {
				if err := os.WriteFile(p, tt.content, tt.mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			if err := os.Mkdir(wd, 0o700); err != nil {
				t.Fatal(err)
			}
			for _, w := range tt.wallets {
				if err := os.WriteFile(filepath.Join(wd, w), []byte("x"), 0o600); err != nil {
					t.Fatal(err)
				}
			}
			_, err := loadSecret(p, tt.create, wd)
			want := strings.NewReplacer("WALLETS", wd, "KEY", p).Replace(tt.want)
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Fatalf("loadSecret = %v, want %q", err, want)
			}
			if tt.content == nil {
				if _, err := os.Stat(p); !os.IsNotExist(err) {
					t.Errorf("a refused start left %s behind (%v)", p, err)
				}
			}
			noTemps(t, d)
		})
	}
}

// TestCreateSecretRace: daemons starting at once on one data dir all end
// up with the one secret on disk.
func TestCreateSecretRace(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "master.key")
	got := make([][]byte, 8)
	errs := make([]error, 8)
	var wg sync.WaitGroup
	for i := range got {
		wg.Go(func() { got[i], errs[i] = loadSecret(path, true, filepath.Join(dir, "wallets")) })
	}
	wg.Wait()
	onDisk, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for i := range got {
		if errs[i] != nil || !bytes.Equal(got[i], onDisk) {
			t.Errorf("start %d: %x, %v; the file holds %x", i, got[i], errs[i], onDisk)
		}
	}
	noTemps(t, dir)
}

// noTemps fails if a temporary secret file was left in dir.
func noTemps(t *testing.T, dir string) {
	t.Helper()
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if isTempSecret(e.Name(), "master.key") || isTempSecret(e.Name(), "key") {
			t.Errorf("temporary file left: %s", e.Name())
		}
	}
}

// isTempSecret reports whether name is one of writeTemp's files for base.
func isTempSecret(name, base string) bool {
	return strings.HasPrefix(name, "."+base+".tmp-")
}
