package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strconv"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	err := run(ctx, os.Args[1:], os.Stdout, os.Stderr)
	stop()
	if err != nil {
		fmt.Fprintln(os.Stderr, "escrowbench:", err)
		os.Exit(1)
	}
}

type options struct {
	scenarios []string
	pairs     int
	levels    []int
	modes     []multisig.Mode
	perWorker int
	lockMax   int
	sharedMax int
	timeout   time.Duration
	budget    time.Duration
	dir       string
	summarize string
	baseline  string
	verbose   bool
	reserve   reserveOptions
}

func parseFlags(args []string, stderr io.Writer) (options, error) {
	fs := flag.NewFlagSet("escrowbench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var o options
	scen := fs.String("scenario", "tracing,concurrency", "scenarios to run: tracing, concurrency, reserve")
	fs.IntVar(&o.pairs, "pairs", 8, "tracing: on/off pairs of escrows")
	levels := fs.String("levels", "1,3,10", "concurrency: escrows at once")
	modes := fs.String("modes", "leased,global-lock,shared", "concurrency: modes")
	fs.IntVar(&o.perWorker, "per-worker", 2, "concurrency: escrows each of the concurrent workers runs, one after another")
	fs.IntVar(&o.lockMax, "lock-max", 10, "concurrency: highest level run in global-lock mode (it serialises: 10 at once takes 10 setups' time)")
	fs.IntVar(&o.sharedMax, "shared-max", 3, "concurrency: highest level run in shared mode (one server switching wallets; it fails and is slow)")
	fs.DurationVar(&o.timeout, "escrow-timeout", 10*time.Minute, "concurrency: deadline of one escrow, queueing included")
	fs.DurationVar(&o.budget, "cell-budget", 150*time.Second, "concurrency: after this long a cell starts no more escrows and cancels those still waiting for servers")
	fs.StringVar(&o.dir, "dir", "", "working directory for wallets, logs and traces (default: a new temporary one, removed after)")
	fs.StringVar(&o.summarize, "summarize", "", "summarise this `go test -bench` output file instead of running scenarios")
	fs.StringVar(&o.baseline, "baseline", "bare", "summarize: the sub-benchmark the others are compared with")
	fs.IntVar(&o.reserve.runs, "runs", 6, "reserve: runs of each of kex floor, warm escrow and cold escrow (plus one warm-up run)")
	fs.IntVar(&o.reserve.size, "reserve-size", 3, "reserve: wallets the reserve keeps in the bursts")
	fs.IntVar(&o.reserve.burst, "burst", 3, "reserve: escrows started at once in a burst (on 3 x burst servers)")
	fs.IntVar(&o.reserve.bursts, "bursts", 2, "reserve: bursts run one after another")
	fs.BoolVar(&o.verbose, "v", false, "log server and escrow events")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	o.scenarios = strings.Split(*scen, ",")
	for _, s := range o.scenarios {
		if s != "tracing" && s != "concurrency" && s != "reserve" {
			return o, fmt.Errorf("-scenario %q: want tracing, concurrency and/or reserve", s)
		}
	}
	for _, f := range strings.Split(*levels, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return o, fmt.Errorf("-levels %q: want positive integers", *levels)
		}
		o.levels = append(o.levels, n)
	}
	for _, f := range strings.Split(*modes, ",") {
		m, err := multisig.ParseMode(strings.TrimSpace(f))
		if err != nil {
			return o, fmt.Errorf("-modes: %w", err)
		}
		o.modes = append(o.modes, m)
	}
	if o.pairs < 1 || o.perWorker < 1 {
		return o, errors.New("-pairs and -per-worker must be at least 1")
	}
	if o.reserve.runs < 1 || o.reserve.size < 1 || o.reserve.burst < 1 || o.reserve.bursts < 0 {
		return o, errors.New("-runs, -reserve-size and -burst must be at least 1, -bursts at least 0")
	}
	if o.reserve.size >= escrow.Participants*o.reserve.burst {
		return o, fmt.Errorf("-reserve-size %d: a burst of %d escrows must need more wallets (%d) than the reserve holds",
			o.reserve.size, o.reserve.burst, escrow.Participants*o.reserve.burst)
	}
	o.reserve.timeout = o.timeout
	return o, nil
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	o, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	if o.summarize != "" {
		f, err := os.Open(o.summarize)
		if err != nil {
			return err
		}
		defer f.Close()
		rs, err := parseGoBench(f)
		if err != nil {
			return err
		}
		summarize(stdout, rs, o.baseline)
		return nil
	}

	level := slog.LevelWarn
	if o.verbose {
		level = slog.LevelInfo
	}
	logger := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: level}))
	dir := o.dir
	if dir == "" {
		if dir, err = os.MkdirTemp("", "escrowbench-"); err != nil {
			return err
		}
		defer os.RemoveAll(dir)
	}
	servers := escrow.Participants
	for _, s := range o.scenarios {
		if s == "concurrency" && contains(o.modes, multisig.ModeLeased) {
			servers = max(servers, escrow.Participants*maxOf(o.levels))
		}
		if s == "reserve" && o.reserve.bursts > 0 {
			servers = max(servers, escrow.Participants*o.reserve.burst)
		}
	}
	fmt.Fprintf(stderr, "escrowbench: starting %d wallet servers in %s\n", servers, dir)
	b, err := startBench(ctx, dir, servers, logger)
	if err != nil {
		return err
	}
	defer func() {
		if err := b.stop(context.WithoutCancel(ctx)); err != nil {
			logger.Warn("stop wallet servers", "err", err)
		}
	}()

	enc := json.NewEncoder(stdout)
	for _, s := range o.scenarios {
		switch s {
		case "tracing":
			fmt.Fprintf(stderr, "escrowbench: tracing on/off, %d pairs\n", o.pairs)
			res, err := runTracing(ctx, b, o.pairs)
			if err != nil {
				return fmt.Errorf("tracing scenario: %w", err)
			}
			printTracing(stdout, res)
			if err := enc.Encode(res); err != nil {
				return err
			}
		case "concurrency":
			var cells []cell
			for _, lv := range o.levels {
				for _, m := range o.modes {
					if (m == multisig.ModeGlobalLock && lv > o.lockMax) || (m == multisig.ModeShared && lv > o.sharedMax) {
						fmt.Fprintf(stderr, "escrowbench: skipping %s at %d (over -lock-max/-shared-max)\n", m, lv)
						continue
					}
					fmt.Fprintf(stderr, "escrowbench: %s, %d at once, %d escrows\n", m, lv, lv*o.perWorker)
					c, err := runCell(ctx, b, m, lv, o.perWorker, o.timeout, o.budget)
					if err != nil {
						return fmt.Errorf("concurrency %s at %d: %w", m, lv, err)
					}
					cells = append(cells, c)
					if err := enc.Encode(c); err != nil {
						return err
					}
				}
			}
			printCells(stdout, cells)
		case "reserve":
			fmt.Fprintf(stderr, "escrowbench: warm reserve, %d runs of floor/warm/cold, %d bursts of %d escrows against %d wallets\n",
				o.reserve.runs, o.reserve.bursts, o.reserve.burst, o.reserve.size)
			res, err := runReserve(ctx, b, o.reserve)
			if err != nil {
				return fmt.Errorf("reserve scenario: %w", err)
			}
			printReserve(stdout, res)
			if err := enc.Encode(res); err != nil {
				return err
			}
		}
		if err := ctx.Err(); err != nil {
			return err
		}
	}
	if r := b.sup.Restarts(); r > 0 {
		fmt.Fprintf(stdout, "\nwallet server restarts during the run: %d\n", r)
	}
	return nil
}

func printTracing(w io.Writer, r tracingResult) {
	fmt.Fprintf(w, "\n| tracing | escrows | median setup (s) | min (s) | max (s) |\n|---|---|---|---|---|\n")
	for _, row := range []struct {
		name string
		xs   []float64
	}{{"off", r.Off}, {"on (file exporter)", r.On}} {
		fmt.Fprintf(w, "| %s | %d | %.3f | %.3f | %.3f |\n", row.name, len(row.xs), median(row.xs), minOf(row.xs), maxOfF(row.xs))
	}
	fmt.Fprintf(w, "\nratio on/off of medians: %.3f; median of per-pair ratios: %.3f; failures: %d; escrow file size (median): %.0f bytes\n",
		r.Ratio, r.PairRatioMedian, r.Failures, r.FileBytesMedian)
	fmt.Fprintf(w, "measured directly, per escrow (median): waiting for snapshots %.1f ms, ending the escrow (file written) %.1f ms: %.2f%% of the off median\n",
		1000*r.SnapshotWaitMedianS, 1000*r.EndEscrowMedianS, 100*r.DirectOverhead)
}

func printCells(w io.Writer, cells []cell) {
	fmt.Fprintf(w, "\n| mode | at once | escrows run | cut by budget | failures | wall (s) | escrows/min | p50 (s) | p95 (s) | server CPU s/escrow | our CPU s/escrow | CPU bound/min (%d cores) | of bound |\n|%s\n",
		firstCores(cells), strings.Repeat("---|", 13))
	for _, c := range cells {
		fmt.Fprintf(w, "| %s | %d | %d | %d | %d | %.1f | %.2f | %.2f | %.2f | %.2f | %.2f | %.2f | %.0f%% |\n",
			c.Mode, c.Level, c.Escrows, c.Cut, c.Failures, c.WallS, c.PerMin, c.P50S, c.P95S, c.ServerCPUS, c.SelfCPUS, c.BoundPerMin, 100*c.OfBound)
	}
	for _, c := range cells {
		for _, e := range c.Errors {
			fmt.Fprintf(w, "\n- %s at %d: %s", c.Mode, c.Level, e)
		}
	}
	fmt.Fprintln(w)
}

func firstCores(cells []cell) int {
	if len(cells) == 0 {
		return 0
	}
	return cells[0].Cores
}

func contains(ms []multisig.Mode, m multisig.Mode) bool {
	for _, x := range ms {
		if x == m {
			return true
		}
	}
	return false
}

func maxOf(xs []int) int {
	m := 0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}

func minOf(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	m := xs[0]
	for _, x := range xs {
		m = min(m, x)
	}
	return m
}

func maxOfF(xs []float64) float64 {
	m := 0.0
	for _, x := range xs {
		m = max(m, x)
	}
	return m
}
