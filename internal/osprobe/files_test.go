package osprobe

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestReadFiles(t *testing.T) {
	dir := t.TempDir()
	for path, data := range map[string]string{"b.json": "{}", "a/keys.keys": "k", "a/c/log.txt": "line\n"} {
		p := filepath.Join(dir, path)
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Symlink(filepath.Join(dir, "b.json"), filepath.Join(dir, "link.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(dir, "empty"), 0o700); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		dir     string
		want    []string // path below dir, data
		wantErr error
	}{
		{"regular files only, in order", dir, []string{"a/c/log.txt", "line\n", "a/keys.keys", "k", "b.json", "{}"}, nil},
		{"empty", filepath.Join(dir, "empty"), nil, nil},
		{"missing", filepath.Join(dir, "missing"), nil, fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			files, err := ReadFiles(tt.dir)
			var got []string
			for _, f := range files {
				rel, _ := filepath.Rel(dir, f.Path)
				got = append(got, filepath.ToSlash(rel), string(f.Data))
			}
			if !errors.Is(err, tt.wantErr) || !slices.Equal(got, tt.want) {
				t.Errorf("ReadFiles = %q, %v; want %q, %v", got, err, tt.want, tt.wantErr)
			}
			r := run(func(r *reports) { Files(r, tt.dir) })
			if (r.fatal != "") != (tt.wantErr != nil) {
				t.Errorf("Files: fatal %q, want one: %v", r.fatal, tt.wantErr != nil)
			}
		})
	}
}
