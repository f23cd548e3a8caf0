package jsonfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// fileMode lets the group (e.g. an analyzer's account) read traces.
const fileMode = 0o640

// A file is replaced so that a reader sees the old file or the new one, never
// a part: temp file in the same directory (createTemp: create, write), then
// commitTemp: fsync, chmod, rename. On any error the temp file is removed.
// The rename is durable only once the directory is synced (syncDir), which
// the writer does once for a batch of files. noSync skips the fsync: only
// benchmarks set it, to tell the cost of durability from the rest.

// createTemp writes data to a new temp file for dir/name and starts its
// writeback, so that the fsyncs of a batch's files share journal commits.
func createTemp(dir, name string, data []byte, noSync bool) (*os.File, error) {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return nil, fmt.Errorf("write %s: %w", name, err)
	}
	if _, err := tmp.Write(data); err != nil {
		return nil, discardTemp(tmp, name, err)
	}
	if !noSync {
		startWriteback(tmp)
	}
	return tmp, nil
}

// commitTemp makes the temp file durable, sets its mode and renames it over
// dir/name.
func commitTemp(tmp *os.File, dir, name string, noSync bool) error {
	if !noSync {
		if err := tmp.Sync(); err != nil {
			return discardTemp(tmp, name, err)
		}
	}
	if err := tmp.Chmod(fileMode); err != nil {
		return discardTemp(tmp, name, err)
	}
	if err := tmp.Close(); err != nil {
		return discardTemp(nil, name, errors.Join(err, ignoreNotExist(os.Remove(tmp.Name()))))
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return discardTemp(nil, name, errors.Join(err, ignoreNotExist(os.Remove(tmp.Name()))))
	}
	return nil
}

// discardTemp closes and removes a temp file that failed, and wraps err.
func discardTemp(tmp *os.File, name string, err error) error {
	if tmp != nil {
		_ = tmp.Close()
		err = errors.Join(err, ignoreNotExist(os.Remove(tmp.Name())))
	}
	return fmt.Errorf("write %s: %w", name, err)
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	if err := d.Sync(); err != nil {
		_ = d.Close()
		return err
	}
	return d.Close()
}

func ignoreNotExist(err error) error {
	if errors.Is(err, os.ErrNotExist) {
		return nil
	}
	return err
}
