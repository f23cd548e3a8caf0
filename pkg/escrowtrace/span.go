package escrowtrace

import "time"

// Span is the part of a finished span that the file is built from. Both the
// JSON-file exporter (from the SDK's ReadOnlySpan) and the analyzer (from
// OTLP/JSON, e.g. Jaeger's /api/v3 answer) fill it, so that Build turns one
// trace into the same timeline whichever sink it came through.
//
// The fields after Service are read by nobody but EncodeOTLP: they exist so
// that the file's optional "otlp" section is lossless and round trips through
// ParseOTLP. Build ignores them.
type Span struct {
	TraceID      string // 32 lowercase hex
	SpanID       string // 16 lowercase hex
	ParentSpanID string // "" for a root span
	Name         string
	Start, End   time.Time
	// Attributes hold the span's attributes as string, bool, int64, float64,
	// []any (arrays), map[string]any (key-value lists), []byte or nil (empty).
	Attributes map[string]any
	Events     []SpanEvent
	// StatusError is true when the span's status is Error; StatusMessage is its description.
	StatusError   bool
	StatusMessage string
	// Service is the resource's service.name.
	Service string

	// Kind is the OTLP span kind: 0 unspecified, 1 internal, 2 server,
	// 3 client, 4 producer, 5 consumer.
	Kind int
	// StatusOK is true when the status was set to Ok explicitly (Unset otherwise).
	StatusOK   bool
	TraceState string
	// Flags are the OTLP span flags: W3C trace flags in bits 0-7, the
	// parent's is-remote information in bits 8-9.
	Flags             uint32
	Links             []SpanLink
	DroppedAttributes int
	DroppedEvents     int
	DroppedLinks      int
	// Resource is the resource that produced the span; nil means one made of
	// service.name = Service alone.
	Resource *Resource
	// Scope is the instrumentation scope (tracer) that produced the span.
	Scope Scope
}

// SpanEvent is an event recorded on a span.
type SpanEvent struct {
	Name              string
	Time              time.Time
	Attributes        map[string]any
	DroppedAttributes int
}

// SpanLink is a link from a span to another span.
type SpanLink struct {
	TraceID           string
	SpanID            string
	TraceState        string
	Attributes        map[string]any
	DroppedAttributes int
	Flags             uint32
}

// Resource is the entity that produced spans (the escrowd process).
type Resource struct {
	Attributes        map[string]any
	DroppedAttributes int
	SchemaURL         string
}

// Scope is the instrumentation scope of a span.
type Scope struct {
	Name              string
	Version           string
	Attributes        map[string]any
	DroppedAttributes int
	SchemaURL         string
}
