// Package logs builds escrowd's log/slog loggers: text or JSON
// (--log-format), with every record correlated to its trace.
//
// New returns the daemon's logger. Its handler (NewHandler wraps any
// slog.Handler) adds trace_id and span_id from the record's context, and
// for a record of an escrow (an escrow_id attribute, or a wallet call's
// context) the escrow's trace ID even without a span: an escrow's trace ID
// is a function of its ID, so every record of an escrow carries it, with
// tracing on or off.
//
// One key per concept: the Key constants are the names escrowd logs under
// (err for an error, escrow_id for an escrow, ...).
package logs
