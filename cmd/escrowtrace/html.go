package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/escrowd/escrowd/analysis"
)

func outFlag(fs *flag.FlagSet, o *options) {
	fs.StringVar(&o.out, "o", "", "write the page to `FILE` (default: stdout)")
}

func diffFlags(fs *flag.FlagSet, o *options) {
	fs.BoolVar(&o.html, "html", false, "write a self-contained HTML page instead of text (with -o FILE)")
	outFlag(fs, o)
}

func runHTML(ctx context.Context, c *cli, args []string) int {
	if c.opts.json {
		fmt.Fprintln(c.stderr, "escrowtrace html: --json makes no sense here; use analyze --json")
		return exitUsage
	}
	f, err := c.load(ctx, args[0])
	if err != nil {
		return c.fail("html", err)
	}
	a := analysis.Analyze(f, analysis.Options{Slow: c.slow})
	if err := c.writeOut(func(w io.Writer) error { return analysis.WriteEscrowHTML(w, a, c.htmlOptions()) }); err != nil {
		return c.fail("html", err)
	}
	return findings(a.Clean())
}

// htmlOptions links the page to Jaeger when --jaeger names it: Jaeger v2
// serves its UI and its query API on the same address.
func (c *cli) htmlOptions() analysis.HTMLOptions {
	return analysis.HTMLOptions{JaegerURL: c.opts.jaeger}
}

// writeOut writes to -o's file, or stdout without one. The file appears
// whole or not at all: it is written beside its final name and renamed, so a
// failed render never leaves half a page where a browser may open it.
func (c *cli) writeOut(write func(io.Writer) error) error {
	if c.opts.out == "" || c.opts.out == "-" {
		return write(c.stdout)
	}
	tmp, err := os.CreateTemp(filepath.Dir(c.opts.out), "."+filepath.Base(c.opts.out)+".*")
	if err != nil {
		return fmt.Errorf("create %s: %w", c.opts.out, err)
	}
	defer os.Remove(tmp.Name()) // after a successful rename there is nothing left to remove
	if err := write(tmp); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Chmod(0o644); err != nil {
		tmp.Close()
		return fmt.Errorf("write %s: %w", c.opts.out, err)
	}
	if err := tmp.Close(); err != nil {
		return fmt.Errorf("write %s: %w", c.opts.out, err)
	}
	if err := os.Rename(tmp.Name(), c.opts.out); err != nil {
		return fmt.Errorf("write %s: %w", c.opts.out, err)
	}
	return nil
}
