package ui

import (
	"context"
	"errors"
	"io"
	"time"
)

// Errors a Source returns, wrapped or not; the pages answer 404 to both.
var (
	// ErrNotFound is for an escrow the Source does not know or whose trace
	// file does not exist.
	ErrNotFound = errors.New("not found")
	// ErrTracingOff is for a known escrow when escrowd writes no trace
	// files (instrumentation off): the page says how to turn it on.
	ErrTracingOff = errors.New("tracing is off")
)

// Entry is one escrow as the list page shows it.
type Entry struct {
	EscrowID string
	TraceID  string // "" when unknown; used for the Jaeger link
	Status   string // escrowd's status: pending, running, ready, failed, ...
	Error    string // why it failed, "" otherwise
	// Kind is the kind of the failure (an escrow.Kind, e.g.
	// "already_multisig"), Cause its root cause from the analysis of the
	// trace (e.g. "already_multisig_before_round1"); "" when unknown.
	Kind, Cause string
	// Traced says that the escrow has a trace file to show (the list links
	// its page); the list itself never opens one.
	Traced    bool
	CreatedAt time.Time
}

// Source is where the pages get escrows from. escrowd implements it over its
// store and its traces directory. Handlers call it from many goroutines at
// once, once per request; nothing is retried.
type Source interface {
	// List returns up to limit escrows, newest first.
	List(ctx context.Context, limit int) ([]Entry, error)
	// OpenTrace opens the escrow's escrow_<id>.json; the caller closes it.
	// id is already valid (escrow.ValidID). An unknown escrow or
	// a missing file is ErrNotFound or fs.ErrNotExist, a known escrow without
	// trace files ErrTracingOff, so the page says 404. escrowd's Source opens
	// only regular files in its traces directory, never through a link.
	OpenTrace(ctx context.Context, id string) (io.ReadCloser, error)
}
