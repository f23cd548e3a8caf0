package main

import (
	"context"
	"errors"
	"fmt"
	"github.com/escrowd/escrowd/pkg/logs"
	"github.com/escrowd/escrowd/pkg/metrics"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/escrowd/escrowd/pkg/trace"
)

func main() {
	os.Exit(run(os.Args[1:], os.Getenv, os.Stdout, os.Stderr))
}

// Exit codes.
const (
	exitOK     = 0
	exitFailed = 1
	exitConfig = 2
)

// run is main without the process: it returns the exit code.
func run(args []string, getenv func(string) string, stdout, stderr io.Writer) int {
	cfg, err := parseConfig(args, getenv, stdout)
	if errors.Is(err, errHelp) {
		return exitOK
	}
	if err == nil {
		if cfg.ShowVersion {
			fmt.Fprintf(stdout, "escrowd %s\n", version)
			return exitOK
		}
		err = cfg.validate()
	}
	var tcfg trace.Config
	var mcfg metrics.Config
	if err == nil {
		tcfg, err = traceConfig(cfg, getenv)
	}
	if err == nil {
		mcfg, err = metricsConfig(tcfg, getenv)
	}
	if err != nil {
		fmt.Fprintf(stderr, "escrowd: configuration error (nothing was started):\n%v\nRun escrowd --help for the settings.\n", indent(err.Error()))
		return exitConfig
	}

	logger, err := logs.New(cfg.LogFormat, stderr, cfg.LogLevel)
	if err != nil { // validated with the flags; kept for safety
		fmt.Fprintf(stderr, "escrowd: configuration error (nothing was started):\n  %v\n", err)
		return exitConfig
	}
	// Tracing logs through the daemon's logger: the trace start lines, the
	// rate-limited export failures, the file exporter's warnings.
	tcfg.Logger = logger
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	if err := serve(ctx, stop, cfg, tcfg, mcfg, logger, stdout); err != nil {
		logger.Error("escrowd stopped with an error", "err", err)
		return exitFailed
	}
	return exitOK
}

// traceConfig is pkg/trace's configuration from the environment, with the
// flags over it.
func traceConfig(cfg config, getenv func(string) string) (trace.Config, error) {
	t := trace.ConfigFromEnv(getenv)
	switch cfg.Instrument {
	case "true":
		t.Enabled = true
	case "false":
		t.Enabled = false
	}
	if cfg.TracesDir != "" {
		t.FileDir = cfg.TracesDir
	}
	t.ServiceVersion = version
	if err := t.Validate(); err != nil {
		return t, fmt.Errorf("instrumentation: %w", err)
	}
	return t, nil
}

// metricsConfig is pkg/metrics' configuration from the environment: metrics
// follow instrumentation (--instrument / ENABLE_INSTRUMENTATION) and
// OTEL_METRICS_EXPORTER (default prometheus: GET /metrics).
func metricsConfig(t trace.Config, getenv func(string) string) (metrics.Config, error) {
	m := metrics.ConfigFromEnv(getenv)
	m.Enabled = t.Enabled && m.Exporting()
	m.ServiceVersion = version
	if err := m.Validate(); err != nil {
		return m, fmt.Errorf("metrics: %w", err)
	}
	return m, nil
}

func indent(s string) string {
	out := "  "
	for _, r := range s {
		out += string(r)
		if r == '\n' {
			out += "  "
		}
	}
	return out
}
