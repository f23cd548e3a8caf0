package jsonfile

// Stats counts what the exporter did since New.
type Stats struct {
	// FilesWritten counts successful file writes; a rewrite counts again.
	FilesWritten uint64
	// WriteErrors counts failed file writes.
	WriteErrors uint64
	// DroppedSpans counts spans not kept: over MaxSpansPerTrace, or late for
	// a trace that was dropped or forgotten.
	DroppedSpans uint64
	// DroppedTraces counts unfinished traces dropped over MaxTraces.
	DroppedTraces uint64
	// RefusedIDs counts traces whose escrow.id is not filename-safe.
	RefusedIDs uint64
	// NonEscrowTraces counts traces dropped because their root has no
	// escrow.id (e.g. HTTP server spans): expected, not an error.
	NonEscrowTraces uint64
	// RemoteParentSpans counts spans not kept because their parent is in
	// another process (e.g. an HTTP server span that continued a caller's
	// traceparent): no escrow's span has one.
	RemoteParentSpans uint64
	// Buffered is the number of traces waiting for their root span now.
	Buffered int
}
