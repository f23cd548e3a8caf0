package jsonfile

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// fileMode lets the group (e.g. an analyzer's account) read traces.
const fileMode = 0o640

// writeAtomic replaces dir/name with data so that a reader sees the old file
// or the new one, never a part: temp file in the same directory, write,
// fsync, chmod, rename, fsync the directory. On any error the temp file is
// removed. noSync skips both fsyncs: only benchmarks set it, to tell the
// cost of durability from the rest.
func writeAtomic(dir, name string, data []byte, noSync bool) (err error) {
	tmp, err := os.CreateTemp(dir, "."+name+".tmp-*")
	if err != nil {
		return fmt.Errorf("write %s: %w", name, err)
	}
	renamed := false
	defer func() {
		if err != nil {
			err = fmt.Errorf("write %s: %w", name, err)
			if !renamed {
				err = errors.Join(err, ignoreNotExist(os.Remove(tmp.Name())))
			}
		}
	}()
	if _, err := tmp.Write(data); err != nil {
		_ = tmp.Close()
		return err
	}
	if !noSync {
		if err := tmp.Sync(); err != nil {
			_ = tmp.Close()
			return err
		}
	}
	if err := tmp.Chmod(fileMode); err != nil {
		_ = tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	renamed = true
	if noSync {
		return nil
	}
	// The rename is durable only once the directory is synced.
	return syncDir(dir)
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
