package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// stdinArg is the argument that reads standard input; messages call it
// stdinName.
const (
	stdinArg  = "-"
	stdinName = "stdin"
)

// load reads one escrow: standard input for "-", a file, or with --jaeger an
// escrow or trace ID when no such file exists.
func (c *cli) load(ctx context.Context, arg string) (*escrowtrace.File, error) {
	f, err := c.loadAll(ctx, arg)
	if err != nil || c.opts.phase == "" {
		return f, err
	}
	return analysis.OnlyPhase(f, escrow.Phase(c.opts.phase))
}

// loadAll reads the whole escrow of a FILE|ID|- argument.
func (c *cli) loadAll(ctx context.Context, arg string) (*escrowtrace.File, error) {
	if arg == stdinArg {
		data, err := c.readStdin()
		if err != nil {
			return nil, err
		}
		f, _, err := analysis.Parse(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", stdinName, err)
		}
		return f, nil
	}
	if c.jaeger != nil {
		if _, err := os.Stat(arg); err != nil {
			return c.jaeger.Fetch(ctx, arg)
		}
	}
	return analysis.ReadFile(arg)
}

// readBytes is analysis.ReadBytes that takes "-" for standard input.
func (c *cli) readBytes(arg string) ([]byte, error) {
	if arg == stdinArg {
		return c.readStdin()
	}
	return analysis.ReadBytes(arg)
}

// readStdin reads standard input whole, once, under the same limit as files.
func (c *cli) readStdin() ([]byte, error) {
	if c.stdinRead {
		return nil, fmt.Errorf("%s: already read: give - once", stdinName)
	}
	c.stdinRead = true
	data, err := io.ReadAll(io.LimitReader(c.stdin, analysis.MaxInputBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", stdinName, err)
	}
	if len(data) > analysis.MaxInputBytes {
		return nil, fmt.Errorf("%s: larger than %d MiB: not an escrow trace", stdinName, analysis.MaxInputBytes>>20)
	}
	return data, nil
}

// spoolStdin copies standard input (up to one byte past the limit, so the
// reader still refuses a larger one) into a temporary file for readers that
// take paths; remove deletes it.
func (c *cli) spoolStdin() (path string, remove func(), err error) {
	if c.stdinRead {
		return "", nil, fmt.Errorf("%s: already read: give - once", stdinName)
	}
	c.stdinRead = true
	tmp, err := os.CreateTemp("", "escrowtrace-stdin-*.json")
	if err != nil {
		return "", nil, fmt.Errorf("%s: %w", stdinName, err)
	}
	remove = func() { os.Remove(tmp.Name()) }
	_, err = io.Copy(tmp, io.LimitReader(c.stdin, analysis.MaxInputBytes+1))
	if cerr := tmp.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		remove()
		return "", nil, fmt.Errorf("%s: %w", stdinName, err)
	}
	return tmp.Name(), remove, nil
}

// onceStdin refuses "-" given more than once: standard input reads once.
func onceStdin(args []string) error {
	n := 0
	for _, a := range args {
		if a == stdinArg {
			n++
		}
	}
	if n > 1 {
		return errors.New("at most one argument may be - (stdin)")
	}
	return nil
}

// renameStdin puts "-" and stdin back where a spooled file's name shows.
func renameStdin(s *analysis.Stats, tmp string) {
	for i, u := range s.UnreadableFiles {
		if u.Path == tmp {
			s.UnreadableFiles[i].Path = stdinArg
			s.UnreadableFiles[i].Error = strings.ReplaceAll(u.Error, tmp, stdinName)
		}
	}
}
