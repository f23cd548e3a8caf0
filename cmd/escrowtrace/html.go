package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"github.com/spf13/cobra"

	"github.com/escrowd/escrowd/analysis"
)

func htmlCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "html FILE|ID|-",
		Short: "write a self-contained HTML page of one escrow (lanes, anomalies, snapshots)",
		Example: "  escrowtrace html traces/escrow_42.json -o escrow_42.html\n" +
			"  escrowtrace html --jaeger http://127.0.0.1:16686 42 -o escrow_42.html",
		Args:              args("FILE|ID", 1, 1),
		ValidArgsFunction: jsonFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if c.opts.json {
				return errors.New("--json makes no sense here; use analyze --json")
			}
			f, err := c.load(cmd.Context(), args[0])
			if err != nil {
				return failed(err)
			}
			a := analysis.Analyze(f, analysis.Options{Slow: c.slow})
			if err := c.writeOut(func(w io.Writer) error { return analysis.WriteEscrowHTML(w, a, c.htmlOptions()) }); err != nil {
				return failed(err)
			}
			c.code = findings(a.Clean())
			return nil
		},
	}
	jaegerFlags(cmd, &c.opts)
	slowFlag(cmd, &c.opts)
	outFlag(cmd, &c.opts)
	phaseFlag(cmd, &c.opts)
	return cmd
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
