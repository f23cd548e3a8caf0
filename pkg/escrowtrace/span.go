package escrowtrace

import "time"

// Span is the part of a finished span that the file is built from. Both the
// JSON-file exporter (from the SDK's ReadOnlySpan) and the analyzer (from
// OTLP/JSON, e.g. Jaeger's /api/v3 answer) fill it, so that Build turns one
// trace into the same timeline whichever sink it came through.
type Span struct {
	TraceID      string // 32 lowercase hex
	SpanID       string // 16 lowercase hex
	ParentSpanID string // "" for a root span
	Name         string
	Start, End   time.Time
	// Attributes hold the span's attributes as string, bool, int64, float64 or []any.
	Attributes map[string]any
	Events     []SpanEvent
	// StatusError is true when the span's status is Error; StatusMessage is its description.
	StatusError   bool
	StatusMessage string
	// Service is the resource's service.name.
	Service string
}

// SpanEvent is an event recorded on a span.
type SpanEvent struct {
	Name       string
	Time       time.Time
	Attributes map[string]any
}
