package main

import (
	"errors"
	"io"

	"github.com/spf13/cobra"

	"github.com/escrowd/escrowd/analysis"
)

// jsonFiles completes file arguments with *.json files (and directories).
func jsonFiles(*cobra.Command, []string, string) ([]cobra.Completion, cobra.ShellCompDirective) {
	return []cobra.Completion{"json"}, cobra.ShellCompDirectiveFilterFileExt
}

func timelineCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "timeline FILE|ID|-",
		Short: "show one escrow's events, one per line",
		Example: "  escrowtrace timeline traces/escrow_42.json\n" +
			"  escrowtrace timeline - < traces/escrow_42.json\n" +
			"  escrowtrace timeline --jaeger http://127.0.0.1:16686 42",
		Args:              args("FILE|ID", 1, 1),
		ValidArgsFunction: jsonFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := c.load(cmd.Context(), args[0])
			if err != nil {
				return failed(err)
			}
			a := analysis.Analyze(f, analysis.Options{Slow: c.slow})
			if c.opts.json {
				err = analysis.WriteTimelineJSON(c.stdout, a.Timeline)
			} else {
				err = analysis.WriteTimelineText(c.stdout, a.Timeline, c.text)
			}
			if err != nil {
				return failed(err)
			}
			c.code = findings(a.Clean())
			return nil
		},
	}
	jaegerFlags(cmd, &c.opts)
	slowFlag(cmd, &c.opts)
	phaseFlag(cmd, &c.opts)
	return cmd
}

func analyzeCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "analyze FILE|ID|-",
		Short: "RPC statistics, snapshot progression, errors and anomalies of one escrow",
		Example: "  escrowtrace analyze traces/escrow_42.json\n" +
			"  escrowtrace analyze --slow 2s --json traces/escrow_42.json",
		Args:              args("FILE|ID", 1, 1),
		ValidArgsFunction: jsonFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			f, err := c.load(cmd.Context(), args[0])
			if err != nil {
				return failed(err)
			}
			a := analysis.Analyze(f, analysis.Options{Slow: c.slow})
			if c.opts.json {
				err = analysis.WriteAnalysisJSON(c.stdout, a)
			} else {
				err = analysis.WriteAnalysisText(c.stdout, a, c.text)
			}
			if err != nil {
				return failed(err)
			}
			c.code = findings(a.Clean())
			return nil
		},
	}
	jaegerFlags(cmd, &c.opts)
	slowFlag(cmd, &c.opts)
	phaseFlag(cmd, &c.opts)
	return cmd
}

func diffCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "diff A B",
		Short: "first divergence and aligned steps of two escrows (one of them may be - for stdin)",
		Example: "  escrowtrace diff traces/escrow_ok.json traces/escrow_failed.json\n" +
			"  escrowtrace diff --html traces/escrow_ok.json traces/escrow_failed.json -o diff.html",
		Args:              args("A B", 2, 2),
		ValidArgsFunction: jsonFiles,
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := onceStdin(args); err != nil {
				return err
			}
			switch {
			case c.opts.html && c.opts.json:
				return errors.New("--html and --json exclude each other")
			case !c.opts.html && c.opts.out != "" && c.opts.out != "-":
				return errors.New("-o needs --html")
			}
			fa, err := c.load(cmd.Context(), args[0])
			if err != nil {
				return failed(err)
			}
			fb, err := c.load(cmd.Context(), args[1])
			if err != nil {
				return failed(err)
			}
			d := analysis.Compare(fa, fb)
			switch {
			case c.opts.html:
				err = c.writeOut(func(w io.Writer) error { return analysis.WriteDiffHTML(w, d, c.htmlOptions()) })
			case c.opts.json:
				err = analysis.WriteDiffJSON(c.stdout, d)
			default:
				err = analysis.WriteDiffText(c.stdout, d, c.text)
			}
			if err != nil {
				return failed(err)
			}
			c.code = findings(d.Identical)
			return nil
		},
	}
	jaegerFlags(cmd, &c.opts)
	cmd.Flags().BoolVar(&c.opts.html, "html", false, "write a self-contained HTML page instead of text (with -o FILE)")
	outFlag(cmd, &c.opts)
	phaseFlag(cmd, &c.opts)
	return cmd
}

func statsCmd(c *cli) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "stats DIR|FILE|-...",
		Short: "outcomes, failures, anomaly kinds and latencies over many escrow files",
		Example: "  escrowtrace stats traces/\n" +
			"  escrowtrace stats --json traces/ | jq .failures_by_round",
		Args: args("DIR...", 1, -1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := onceStdin(args); err != nil {
				return err
			}
			paths := append([]string(nil), args...)
			tmp := ""
			for i, p := range paths {
				if p != stdinArg {
					continue
				}
				var remove func()
				var err error
				if tmp, remove, err = c.spoolStdin(); err != nil {
					return failed(err)
				}
				defer remove()
				paths[i] = tmp
			}
			s, err := analysis.Aggregate(cmd.Context(), paths, analysis.StatsOptions{Slow: c.slow})
			if err != nil {
				return failed(err)
			}
			renameStdin(s, tmp)
			if c.opts.json {
				err = analysis.WriteStatsJSON(c.stdout, s)
			} else {
				err = analysis.WriteStatsText(c.stdout, s, c.text)
			}
			if err != nil {
				return failed(err)
			}
			for _, u := range s.UnreadableFiles {
				cmd.PrintErrf("escrowtrace stats: %s\n", analysis.EscapeControl(u.Error))
			}
			if s.Unreadable > 0 {
				c.code = exitUsage
				return nil
			}
			c.code = findings(s.Clean())
			return nil
		},
	}
	slowFlag(cmd, &c.opts)
	return cmd
}
