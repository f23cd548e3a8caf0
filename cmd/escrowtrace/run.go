package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Exit statuses.
const (
	exitClean    = 0
	exitFindings = 1 // anomalies, a failed or incomplete escrow, a divergence, an invalid file
	exitUsage    = 2 // bad arguments or unreadable input
)

// env is what run needs from the process, so tests can set it.
type env struct {
	noColor  bool // NO_COLOR is set
	terminal bool // stdout is a terminal
}

// options are the flags every subcommand shares.
type options struct {
	json    bool
	jaeger  string
	slow    string
	noColor bool
	timeout time.Duration
	html    bool   // diff: write the HTML page instead of text
	out     string // html, diff --html: the page's file ("" or "-": stdout)
}

type command struct {
	name, args, summary, examples string
	minArgs, maxArgs              int // maxArgs < 0: any number
	run                           func(ctx context.Context, c *cli, args []string) int
	// flags adds the command's own flags to the shared ones.
	flags func(fs *flag.FlagSet, o *options)
}

// cli carries one invocation's outputs and parsed options.
type cli struct {
	stdout, stderr io.Writer
	opts           options
	text           analysis.TextOptions
	slow           analysis.SlowThreshold
	jaeger         *analysis.Jaeger
}

func commands() []command {
	return []command{
		{name: "timeline", args: "FILE|ID", summary: "show one escrow's events, one per line", minArgs: 1, maxArgs: 1,
			examples: "  escrowtrace timeline traces/escrow_42.json\n  escrowtrace timeline --jaeger http://127.0.0.1:16686 42\n",
			run:      runTimeline},
		{name: "analyze", args: "FILE|ID", summary: "RPC statistics, snapshot progression, errors and anomalies of one escrow", minArgs: 1, maxArgs: 1,
			examples: "  escrowtrace analyze traces/escrow_42.json\n  escrowtrace analyze --slow 2s --json traces/escrow_42.json\n",
			run:      runAnalyze},
		{name: "diff", args: "A B", summary: "first divergence and aligned steps of two escrows", minArgs: 2, maxArgs: 2,
			examples: "  escrowtrace diff traces/escrow_ok.json traces/escrow_failed.json\n  escrowtrace diff --html traces/escrow_ok.json traces/escrow_failed.json -o diff.html\n",
			run:      runDiff, flags: diffFlags},
		{name: "html", args: "FILE|ID", summary: "write a self-contained HTML page of one escrow (lanes, anomalies, snapshots)", minArgs: 1, maxArgs: 1,
			examples: "  escrowtrace html traces/escrow_42.json -o escrow_42.html\n  escrowtrace html --jaeger http://127.0.0.1:16686 42 -o escrow_42.html\n",
			run:      runHTML, flags: outFlag},
		{name: "stats", args: "DIR...", summary: "outcomes, failures, anomaly kinds and latencies over many escrow files", minArgs: 1, maxArgs: -1,
			examples: "  escrowtrace stats traces/\n  escrowtrace stats --json traces/ | jq .failures_by_round\n",
			run:      runStats},
		{name: "validate", args: "FILE...", summary: "check files against the escrow-trace/v1 JSON schema", minArgs: 1, maxArgs: -1,
			examples: "  escrowtrace validate traces/*.json\n",
			run:      runValidate},
	}
}

func usage(w io.Writer) {
	fmt.Fprintf(w, "usage: escrowtrace COMMAND [flags] ARGS\n\ncommands:\n")
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-9s %-9s %s\n", c.name, c.args, c.summary)
	}
	fmt.Fprintf(w, "\nRun escrowtrace COMMAND -h for its flags and examples.\n"+
		"Exit status: 0 clean, 1 anomalies/failure/divergence found, 2 usage or input error.\n")
}

// run is the whole command; main only wires the process to it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, e env) int {
	if len(args) == 0 {
		usage(stderr)
		return exitUsage
	}
	if args[0] == "-h" || args[0] == "--help" || args[0] == "help" {
		usage(stdout)
		return exitClean
	}
	var cmd *command
	for _, c := range commands() {
		if c.name == args[0] {
			cmd = &c
			break
		}
	}
	if cmd == nil {
		fmt.Fprintf(stderr, "escrowtrace: unknown command %q\n\n", args[0])
		usage(stderr)
		return exitUsage
	}

	c := &cli{stdout: stdout, stderr: stderr}
	fs := flag.NewFlagSet("escrowtrace "+cmd.name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.BoolVar(&c.opts.json, "json", false, "machine-readable JSON output")
	fs.StringVar(&c.opts.jaeger, "jaeger", "", "Jaeger query `URL` (e.g. http://127.0.0.1:16686): FILE arguments may then be escrow or trace IDs")
	fs.StringVar(&c.opts.slow, "slow", "5x", "slow_rpc threshold: a `duration` (800ms) or Nx for N times the method's median in its round (min. 3 calls, never under 50ms)")
	fs.BoolVar(&c.opts.noColor, "no-color", false, "no colour even on a terminal (NO_COLOR does the same)")
	fs.DurationVar(&c.opts.timeout, "timeout", analysis.DefaultJaegerTimeout, "timeout of each Jaeger request")
	if cmd.flags != nil {
		cmd.flags(fs, &c.opts)
	}
	fs.Usage = func() {
		fmt.Fprintf(fs.Output(), "usage: escrowtrace %s [flags] %s\n\n%s.\n\nflags:\n", cmd.name, cmd.args, cmd.summary)
		fs.PrintDefaults()
		fmt.Fprintf(fs.Output(), "\nexamples:\n%s", cmd.examples)
	}
	// Help goes to stdout with status 0; flag alone would print it to stderr.
	for _, a := range args[1:] {
		if a == "--" {
			break
		}
		if a == "-h" || a == "-help" || a == "--help" || a == "--h" {
			fs.SetOutput(stdout)
			fs.Usage()
			return exitClean
		}
	}
	pos, err := parseInterleaved(fs, args[1:])
	if err != nil {
		return exitUsage // flag has printed the error and usage
	}
	if len(pos) < cmd.minArgs || (cmd.maxArgs >= 0 && len(pos) > cmd.maxArgs) {
		fmt.Fprintf(stderr, "escrowtrace %s: want %s, got %d argument(s)\n", cmd.name, cmd.args, len(pos))
		fs.Usage()
		return exitUsage
	}
	if c.slow, err = analysis.ParseSlow(c.opts.slow); err != nil {
		fmt.Fprintf(stderr, "escrowtrace %s: %s\n", cmd.name, analysis.EscapeControl(err.Error()))
		return exitUsage
	}
	if c.opts.jaeger != "" {
		if c.jaeger, err = analysis.NewJaeger(c.opts.jaeger, c.opts.timeout); err != nil {
			fmt.Fprintf(stderr, "escrowtrace %s: %s\n", cmd.name, analysis.EscapeControl(err.Error()))
			return exitUsage
		}
	}
	c.text.Color = e.terminal && !e.noColor && !c.opts.noColor
	return cmd.run(ctx, c, pos)
}

// parseInterleaved lets flags follow arguments ("analyze FILE --json"), which
// the flag package alone stops at.
func parseInterleaved(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		if args[0] == "--" {
			return append(pos, args[1:]...), nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// load reads one escrow: a file, or with --jaeger an escrow or trace ID when
// no such file exists.
func (c *cli) load(ctx context.Context, arg string) (*escrowtrace.File, error) {
	if c.jaeger != nil {
		if _, err := os.Stat(arg); err != nil {
			return c.jaeger.Fetch(ctx, arg)
		}
	}
	return analysis.ReadFile(arg)
}

// fail reports err, whose text may quote a file or a server's answer: its
// control characters are escaped.
func (c *cli) fail(cmd string, err error) int {
	fmt.Fprintf(c.stderr, "escrowtrace %s: %s\n", cmd, analysis.EscapeControl(err.Error()))
	return exitUsage
}

func runTimeline(ctx context.Context, c *cli, args []string) int {
	f, err := c.load(ctx, args[0])
	if err != nil {
		return c.fail("timeline", err)
	}
	a := analysis.Analyze(f, analysis.Options{Slow: c.slow})
	if c.opts.json {
		err = analysis.WriteTimelineJSON(c.stdout, a.Timeline)
	} else {
		err = analysis.WriteTimelineText(c.stdout, a.Timeline, c.text)
	}
	if err != nil {
		return c.fail("timeline", err)
	}
	return findings(a.Clean())
}

func runAnalyze(ctx context.Context, c *cli, args []string) int {
	f, err := c.load(ctx, args[0])
	if err != nil {
		return c.fail("analyze", err)
	}
	a := analysis.Analyze(f, analysis.Options{Slow: c.slow})
	if c.opts.json {
		err = analysis.WriteAnalysisJSON(c.stdout, a)
	} else {
		err = analysis.WriteAnalysisText(c.stdout, a, c.text)
	}
	if err != nil {
		return c.fail("analyze", err)
	}
	return findings(a.Clean())
}

func runDiff(ctx context.Context, c *cli, args []string) int {
	fa, err := c.load(ctx, args[0])
	if err != nil {
		return c.fail("diff", err)
	}
	fb, err := c.load(ctx, args[1])
	if err != nil {
		return c.fail("diff", err)
	}
	d := analysis.Compare(fa, fb)
	switch {
	case c.opts.html && c.opts.json:
		fmt.Fprintln(c.stderr, "escrowtrace diff: --html and --json exclude each other")
		return exitUsage
	case c.opts.html:
		err = c.writeOut(func(w io.Writer) error { return analysis.WriteDiffHTML(w, d, c.htmlOptions()) })
	case c.opts.out != "" && c.opts.out != "-":
		fmt.Fprintln(c.stderr, "escrowtrace diff: -o needs --html")
		return exitUsage
	case c.opts.json:
		err = analysis.WriteDiffJSON(c.stdout, d)
	default:
		err = analysis.WriteDiffText(c.stdout, d, c.text)
	}
	if err != nil {
		return c.fail("diff", err)
	}
	return findings(d.Identical)
}

func runStats(ctx context.Context, c *cli, args []string) int {
	if c.jaeger != nil {
		fmt.Fprintln(c.stderr, "escrowtrace stats: --jaeger is not supported: stats reads directories of files")
		return exitUsage
	}
	s, err := analysis.Aggregate(ctx, args, analysis.StatsOptions{Slow: c.slow})
	if err != nil {
		return c.fail("stats", err)
	}
	if c.opts.json {
		err = analysis.WriteStatsJSON(c.stdout, s)
	} else {
		err = analysis.WriteStatsText(c.stdout, s, c.text)
	}
	if err != nil {
		return c.fail("stats", err)
	}
	for _, u := range s.UnreadableFiles {
		fmt.Fprintf(c.stderr, "escrowtrace stats: %s\n", analysis.EscapeControl(u.Error))
	}
	if s.Unreadable > 0 {
		return exitUsage
	}
	return findings(s.Clean())
}

func runValidate(_ context.Context, c *cli, args []string) int {
	code := exitClean
	for _, p := range args {
		data, err := analysis.ReadBytes(p)
		if err != nil {
			fmt.Fprintf(c.stderr, "%s\n", analysis.EscapeControl(err.Error()))
			code = exitUsage
			continue
		}
		if err := analysis.ValidateSchema(data); err != nil {
			fmt.Fprintf(c.stdout, "%s: invalid: %s\n", p, escapeLines(err.Error()))
			code = max(code, exitFindings)
			continue
		}
		fmt.Fprintf(c.stdout, "%s: ok\n", p)
	}
	return code
}

// escapeLines escapes each line of a multi-line message and indents the
// lines after the first.
func escapeLines(s string) string {
	lines := strings.Split(s, "\n")
	for i, l := range lines {
		lines[i] = analysis.EscapeControl(l)
	}
	return strings.Join(lines, "\n  ")
}

func findings(clean bool) int {
	if clean {
		return exitClean
	}
	return exitFindings
}
