// Package escrowtracetest holds the checks that tests make on escrow trace
// files (escrow_<id>.json): read one as a reader would (validated against
// the schema, then decoded), count its event types and snapshots, and check
// that every wallet call that started also ended. Tests of the tracing, the
// daemon and its reliability share it, as OpenTelemetry's tests share
// sdk/trace/tracetest.
package escrowtracetest
