// Package jsonfile is an OpenTelemetry span exporter that writes one file per
// escrow, escrow_<id>.json in the escrow-trace v1 format (pkg/escrowtrace),
// for the analyzer and for users' own scripts.
//
// It groups the spans it receives by trace, and writes a trace's file when the
// escrow's root span (escrow.setup: no parent, an escrow.id) has arrived.
// ForceFlush and Shutdown write what is still waiting as outcome "incomplete".
// Files are replaced atomically, so a reader never sees half a file.
//
// Start with New and register the exporter with a span processor:
//
//	exp, err := jsonfile.New(jsonfile.Config{Dir: "./traces"})
//	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
//
// With a simple (synchronous) processor, a slow disk slows span.End; the
// batch processor keeps file writes off the escrows' goroutines.
package jsonfile
