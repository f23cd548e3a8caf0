package jsonfile

import (
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"
)

// Defaults of Config's zero fields.
const (
	DefaultDir              = "./traces"
	DefaultMaxTraces        = 1024
	DefaultMaxSpansPerTrace = 4096
	DefaultMaxFileWait      = 30 * time.Second
)

// Config configures the exporter. The zero value is usable: every zero field
// takes its default.
type Config struct {
	// Dir receives the files; default "./traces", created 0750 if missing.
	Dir string
	// IncludeOTLP adds the lossless "otlp" section: the trace's spans as
	// OTLP/JSON TracesData, with resource and scope. Attribute values whose
	// names mark secrets are redacted there.
	IncludeOTLP bool
	// MaxTraces bounds the traces waiting for their root span; default 1024.
	// Beyond it the oldest waiting trace is dropped (counted, logged).
	MaxTraces int
	// MaxSpansPerTrace bounds one trace's spans; default 4096. Further spans
	// are dropped (counted, logged once per trace).
	MaxSpansPerTrace int
	// Logger receives drops, refusals and disk failures; default slog.Default().
	Logger *slog.Logger
	// WaitForFiles makes ExportSpans return only once the files it queued
	// (an escrow's, when its root span is in the batch) are durable, with
	// their write errors: when an escrow's root span has ended, its file can
	// be read. Files are still written by the one writer, outside the lock,
	// and callers that wait at the same time share its directory fsync. Off,
	// ExportSpans returns as soon as the file is queued, write errors are
	// counted and logged only, and ForceFlush is the way to wait.
	WaitForFiles bool
	// MaxFileWait bounds how long an ExportSpans call waits, with
	// WaitForFiles, for room in the writer's queue and for its files; default
	// 30 s. Past it ExportSpans returns an error wrapping
	// context.DeadlineExceeded and the file is written when the disk lets
	// it (a complete file not yet queued is retried by ForceFlush), so that
	// a hung disk delays files, never the escrows that end spans.
	MaxFileWait time.Duration
}

// Validate reports what is wrong with the configuration.
func (c Config) Validate() error {
	var errs []error
	if strings.ContainsRune(c.Dir, 0) {
		errs = append(errs, errors.New("dir contains a NUL byte"))
	}
	if c.MaxTraces < 0 {
		errs = append(errs, fmt.Errorf("max traces %d: must not be negative (0 = default %d)", c.MaxTraces, DefaultMaxTraces))
	}
	if c.MaxFileWait < 0 {
		errs = append(errs, fmt.Errorf("max file wait %s: must not be negative (0 = default %s)", c.MaxFileWait, DefaultMaxFileWait))
	}
	if c.MaxSpansPerTrace < 0 {
		errs = append(errs, fmt.Errorf("max spans per trace %d: must not be negative (0 = default %d)", c.MaxSpansPerTrace, DefaultMaxSpansPerTrace))
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("jsonfile config: %w", err)
	}
	return nil
}

// withDefaults fills the zero fields.
func (c Config) withDefaults() Config {
	if c.Dir == "" {
		c.Dir = DefaultDir
	}
	if c.MaxTraces == 0 {
		c.MaxTraces = DefaultMaxTraces
	}
	if c.MaxSpansPerTrace == 0 {
		c.MaxSpansPerTrace = DefaultMaxSpansPerTrace
	}
	if c.MaxFileWait == 0 {
		c.MaxFileWait = DefaultMaxFileWait
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return c
}
