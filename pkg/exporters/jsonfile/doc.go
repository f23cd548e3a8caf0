// Package jsonfile is an OpenTelemetry span exporter that writes one file per
// escrow, escrow_<id>.json in the escrow-trace v1 format (pkg/escrowtrace),
// for the analyzer and for users' own scripts.
//
// It groups the spans it receives by trace and lifecycle phase (a span's
// escrow.phase; none for the setup), and writes a phase when its root span
// (no parent, an escrow.id) has arrived. The setup's root writes the file as
// it always has; a later phase's (fund, release, refund, resolve: root spans
// of the same trace, minutes or days later) is merged into the escrow's file
// as it is on disk (escrowtrace.Merge: every phase so far, the top level the
// latest's). The one writer reads, merges and writes, so an escrow's file is
// rewritten by one thing at a time and in the order its phases ended; a
// missing or unreadable earlier file gives the phase alone, and says so in
// the log. ForceFlush and Shutdown write what is still waiting as outcome
// "incomplete". Files are replaced atomically, so a reader never sees half a
// file.
//
// Traces waiting for their root are held in two pools of Config.MaxTraces
// each: escrow traces (a span with escrow.id has arrived) and the others; a
// new trace evicts only in its own pool, so no other traffic can push a
// running escrow's spans out. A span whose parent is remote (an HTTP server
// span that continued a caller's traceparent) is never kept: no escrow span
// has one, and a caller naming an escrow's trace ID must not add to its file.
//
// One writer goroutine writes the files, off the goroutines that end spans
// and outside the exporter's lock, and makes every file it has durable with
// one directory fsync (group commit). Its queue is bounded and blocks when
// full: the exporter slows a producer down rather than lose an escrow's
// file. ForceFlush and Shutdown return once everything queued before them is
// durable; Config.WaitForFiles makes ExportSpans wait for its own files too
// (escrowd's tracing sets it, so that a finished escrow's file can be read),
// at most Config.MaxFileWait (30 s): a hung disk delays files, not escrows.
//
// Start with New and register the exporter with a span processor:
//
//	exp, err := jsonfile.New(jsonfile.Config{Dir: "./traces"})
//	tp := sdktrace.NewTracerProvider(sdktrace.WithBatcher(exp))
//
// With a simple (synchronous) processor every span reaches the exporter and
// span.End waits only for the queue (or, with WaitForFiles, for the file);
// call ForceFlush or Shutdown before reading the files.
//
// The file's content is the format's (pkg/escrowtrace): escrowtrace.Build
// turns the spans into the file, lifecycle phases, failure kinds and payout
// snapshots included, and escrowtrace.AppendFile, the format's one encoder,
// writes it. This package adds what an exporter does: keeping spans compactly
// until their escrow's root has ended, with secrets redacted
// (internal/spanconv), and replacing files atomically and durably.
package jsonfile
