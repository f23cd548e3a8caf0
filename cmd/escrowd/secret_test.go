package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLoadSecret(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "d", "master.key")
	first, err := loadSecret(path, true)
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
	again, err := loadSecret(path, true)
	if err != nil || !bytes.Equal(first, again) {
		t.Fatalf("second start read another secret (%v)", err)
	}

	tests := []struct {
		name    string
		content []byte
		mode    os.FileMode
		create  bool
		want    string
	}{
		{"readable by others", bytes.Repeat([]byte{1}, 32), 0o644, false, "chmod 600"},
		{"too short", []byte("short"), 0o600, false, "holds 5 bytes, at least 32"},
		{"missing, not ours to create", nil, 0, false, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "key")
			if tt.content != nil {
				if err := os.WriteFile(p, tt.content, tt.mode); err != nil {
					t.Fatal(err)
				}
				if err := os.Chmod(p, tt.mode); err != nil {
					t.Fatal(err)
				}
			}
			_, err := loadSecret(p, tt.create)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("loadSecret = %v, want %q", err, tt.want)
			}
		})
	}
}
