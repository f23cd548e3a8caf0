package osprobe

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestCheckPerm(t *testing.T) {
	dir := t.TempDir()
	mk := func(name string, mode fs.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, nil, mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil { // past the umask
			t.Fatal(err)
		}
		return p
	}
	keys, trace, wide := mk("w.keys", 0o600), mk("t.json", 0o640), mk("wide", 0o644)
	missing := filepath.Join(dir, "missing")
	tests := []struct {
		name  string
		check func(r *reports)
		want  []string
	}{
		{"exact, as wanted", func(r *reports) { CheckPerm(r, keys, 0o600) }, nil},
		{"exact, wider", func(r *reports) { CheckPerm(r, wide, 0o600) }, []string{wide + " mode -rw-r--r--, want -rw-------"}},
		{"exact, tighter is wrong too", func(r *reports) { CheckPerm(r, keys, 0o640) }, []string{keys + " mode -rw-------, want -rw-r-----"}},
		{"within, equal", func(r *reports) { CheckPermWithin(r, "trace file", trace, 0o640) }, nil},
		{"within, tighter", func(r *reports) { CheckPermWithin(r, "trace file", keys, 0o640) }, nil},
		{"within, wider", func(r *reports) { CheckPermWithin(r, "trace file", wide, 0o640) },
			[]string{"trace file " + wide + " mode -rw-r--r--, want -rw-r----- or tighter"}},
		{"missing", func(r *reports) { CheckPerm(r, missing, 0o600) }, []string{"stat " + missing + ": no such file or directory"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := run(tt.check)
			if !slices.Equal(r.errors, tt.want) || r.fatal != "" {
				t.Errorf("reported %q (fatal %q), want %q", r.errors, r.fatal, tt.want)
			}
		})
	}
}
