package osprobe

import (
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
)

// File is a regular file and what it held when read.
type File struct {
	Path string
	Data []byte
}

// ReadFiles reads every regular file under dir, in lexical order of path;
// links, devices and the like are passed over.
func ReadFiles(dir string) ([]File, error) {
	var out []File
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || !d.Type().IsRegular() {
			return err
		}
		data, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		out = append(out, File{Path: path, Data: data})
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("osprobe: read files under %s: %w", dir, err)
	}
	return out, nil
}

// Files is ReadFiles for a test: an error ends it.
func Files(t TB, dir string) []File {
	t.Helper()
	files, err := ReadFiles(dir)
	if err != nil {
		t.Fatalf("%v", err)
	}
	return files
}
