package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// Exit statuses.
const (
	exitClean    = 0
	exitFindings = 1 // anomalies, a failed or incomplete escrow, a divergence, an invalid file
	exitUsage    = 2 // bad arguments or unreadable input
)

// env is what run needs from the process, so tests can set it.
type env struct {
	noColor  bool      // NO_COLOR is set
	terminal bool      // stdout is a terminal
	stdin    io.Reader // what "-" reads; nil reads nothing
}

// options are the parsed flags; each command registers only its own.
type options struct {
	json    bool // persistent
	noColor bool // persistent
	jaeger  string
	slow    string
	timeout time.Duration
	html    bool   // diff: write the HTML page instead of text
	out     string // html, diff --html: the page's file ("" or "-": stdout)
	phase   string // timeline, analyze, html, diff: one lifecycle phase ("": all)
}

// cli carries one invocation's inputs, outputs, parsed options and result.
type cli struct {
	stdin          io.Reader
	stdout, stderr io.Writer
	env            env
	opts           options
	text           analysis.TextOptions
	slow           analysis.SlowThreshold
	jaeger         *analysis.Jaeger
	stdinRead      bool
	code           int // the exit status of a command that ran to its end
}

// inputError is a failure to read or write what a command was given; it is
// reported without the hint to --help that usage errors get.
type inputError struct{ err error }

func (e inputError) Error() string { return e.err.Error() }
func (e inputError) Unwrap() error { return e.err }

func failed(err error) error { return inputError{err} }

// run is the whole command; main only wires the process to it.
func run(ctx context.Context, args []string, stdout, stderr io.Writer, e env) int {
	c := &cli{stdin: e.stdin, stdout: stdout, stderr: stderr, env: e}
	if c.stdin == nil {
		c.stdin = strings.NewReader("")
	}
	root := newRootCmd(c)
	if args == nil {
		args = []string{} // cobra would take os.Args for nil
	}
	root.SetArgs(args)
	root.SetIn(c.stdin)
	root.SetOut(stdout)
	root.SetErr(stderr)
	root.SetContext(ctx)
	// ExecuteC names the command that failed, for the message's prefix.
	cmd, err := root.ExecuteC()
	if err == nil {
		return c.code
	}
	// Cobra prints nothing (SilenceErrors): the message is printed once,
	// here, with the control characters of names and answers escaped.
	fmt.Fprintf(stderr, "%s: %s\n", cmd.CommandPath(), escapeLines(err.Error()))
	var ie inputError
	if !errors.As(err, &ie) {
		fmt.Fprintf(stderr, "Run '%s --help' for usage.\n", cmd.CommandPath())
	}
	return exitUsage
}

const rootLong = `escrowtrace reads escrow traces (escrow_<id>.json files, OTLP/JSON, Jaeger's
v3 answers, or traces fetched from Jaeger with --jaeger) and explains them.

Every command that reads a file reads standard input for "-".
Exit status: 0 clean, 1 anomalies/failure/divergence/invalid file found,
2 usage or input error.`

func newRootCmd(c *cli) *cobra.Command {
	root := &cobra.Command{
		Use:           "escrowtrace",
		Short:         "explain escrow traces",
		Long:          rootLong,
		Version:       currentVersion(),
		SilenceErrors: true,
		SilenceUsage:  true,
		// Without a command: the usage on stderr and status 2. Args stay
		// unset: cobra then reports an unknown command, with suggestions.
		RunE: func(cmd *cobra.Command, _ []string) error {
			fmt.Fprint(c.stderr, cmd.UsageString())
			c.code = exitUsage
			return nil
		},
		PersistentPreRunE: func(cmd *cobra.Command, _ []string) error { return c.prepare(cmd) },
	}
	root.SetHelpCommand(helpCmd())
	root.SetVersionTemplate("escrowtrace {{.Version}}\n")
	root.Flags().BoolP("version", "v", false, "print the version and exit")
	pf := root.PersistentFlags()
	pf.BoolVar(&c.opts.json, "json", false, "machine-readable JSON output")
	pf.BoolVar(&c.opts.noColor, "no-color", false, "no colour even on a terminal (NO_COLOR does the same)")
	root.AddCommand(timelineCmd(c), analyzeCmd(c), diffCmd(c), htmlCmd(c), statsCmd(c), validateCmd(c), versionCmd(c))
	return root
}

// helpCmd is cobra's help command, except that an unknown topic is a usage
// error (status 2) rather than the root's usage with status 0.
func helpCmd() *cobra.Command {
	return &cobra.Command{
		Use:   "help [command]",
		Short: "Help about any command",
		ValidArgsFunction: func(cmd *cobra.Command, args []string, _ string) ([]cobra.Completion, cobra.ShellCompDirective) {
			var names []cobra.Completion
			if len(args) == 0 {
				for _, sub := range cmd.Root().Commands() {
					if sub.IsAvailableCommand() {
						names = append(names, cobra.CompletionWithDesc(sub.Name(), sub.Short))
					}
				}
			}
			return names, cobra.ShellCompDirectiveNoFileComp
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			target, rest, err := cmd.Root().Find(args)
			if err != nil || len(rest) > 0 {
				return fmt.Errorf("unknown help topic %q", strings.Join(args, " "))
			}
			target.InitDefaultHelpFlag()
			return target.Help()
		},
	}
}

// prepare checks the flags a command has, once they are parsed.
func (c *cli) prepare(cmd *cobra.Command) error {
	var err error
	if cmd.Flags().Lookup("slow") != nil {
		if c.slow, err = analysis.ParseSlow(c.opts.slow); err != nil {
			return err
		}
	}
	if c.opts.phase != "" && !escrow.Phase(c.opts.phase).Valid() {
		return fmt.Errorf("--phase %q: want one of setup, fund, release, refund, resolve", c.opts.phase)
	}
	if c.opts.jaeger != "" {
		if c.jaeger, err = analysis.NewJaeger(c.opts.jaeger, c.opts.timeout); err != nil {
			return err
		}
	}
	c.text.Color = c.env.terminal && !c.env.noColor && !c.opts.noColor
	return nil
}

// Flags shared by some commands.

func jaegerFlags(cmd *cobra.Command, o *options) {
	cmd.Flags().StringVar(&o.jaeger, "jaeger", "", "Jaeger query `URL` (e.g. http://127.0.0.1:16686): FILE arguments may then be escrow or trace IDs")
	cmd.Flags().DurationVar(&o.timeout, "timeout", analysis.DefaultJaegerTimeout, "timeout of each Jaeger request")
}

func slowFlag(cmd *cobra.Command, o *options) {
	cmd.Flags().StringVar(&o.slow, "slow", "5x", "slow_rpc threshold: a `duration` (800ms) or Nx for N times the method's median in its round (min. 3 calls, never under 50ms)")
}

func phaseFlag(cmd *cobra.Command, o *options) {
	cmd.Flags().StringVar(&o.phase, "phase", "", "only this lifecycle `PHASE` of the escrow (setup, fund, release, refund, resolve); default: every phase")
}

func outFlag(cmd *cobra.Command, o *options) {
	cmd.Flags().StringVarP(&o.out, "out", "o", "", "write the page to `FILE` (default: stdout)")
}

// args checks the number of positional arguments, naming what is wanted.
func args(want string, minArgs, maxArgs int) cobra.PositionalArgs {
	return func(cmd *cobra.Command, args []string) error {
		if len(args) < minArgs || (maxArgs >= 0 && len(args) > maxArgs) {
			return fmt.Errorf("want %s, got %d argument(s)", want, len(args))
		}
		return nil
	}
}

// escapeLines escapes each line of a multi-line message and indents the
// lines after the first.
func escapeLines(s string) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	for i, l := range lines {
		if l = analysis.EscapeControl(l); i > 0 && l != "" {
			l = "  " + l
		}
		lines[i] = l
	}
	return strings.Join(lines, "\n")
}

func findings(clean bool) int {
	if clean {
		return exitClean
	}
	return exitFindings
}
