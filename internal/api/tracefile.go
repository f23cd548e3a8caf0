package api

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// errNotRegular is the error for a trace file name that is a link, a
// directory, a FIFO or anything else than a regular file.
var errNotRegular = errors.New("not a regular file")

// openTraceFile opens name (escrow_<id>.json) in the traces directory without
// following a link out of it or to anything: a link there, even one to another
// trace file, is refused, as is anything but a regular file, so that a file
// swapped for a link to master.key (or a FIFO, which would block the
// request) is never served. The directory is opened as an os.Root, so no
// name can resolve outside it. A missing file is fs.ErrNotExist.
func openTraceFile(dir, name string) (*os.File, error) {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("traces directory: %w", err)
	}
	defer root.Close()
	lfi, err := root.Lstat(name)
	if err != nil {
		return nil, err
	}
	if !lfi.Mode().IsRegular() {
		return nil, fmt.Errorf("%s in the traces directory: %w (%s)", name, errNotRegular, lfi.Mode().Type())
	}
	// O_NONBLOCK: if a FIFO took the file's place since Lstat, opening it
	// does not wait for a writer; the check below refuses it.
	f, err := root.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	fi, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, err
	}
	// The file opened must be the one checked: not swapped in between.
	if !fi.Mode().IsRegular() || !os.SameFile(lfi, fi) {
		f.Close()
		return nil, fmt.Errorf("%s in the traces directory: %w (it changed while being opened)", name, errNotRegular)
	}
	return f, nil
}

// isMissing is true for a trace file that does not exist.
func isMissing(err error) bool { return errors.Is(err, fs.ErrNotExist) }
