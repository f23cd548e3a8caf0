package analysis

import (
	"bytes"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// This file is the analyzer's only contact with pkg/escrowtrace's codecs, so
// that switching an implementation touches one place.

// decodeV1 decodes a v1 file (unknown fields and event types kept).
func decodeV1(data []byte) (*escrowtrace.File, error) {
	return escrowtrace.Decode(bytes.NewReader(data))
}

// otlpSpans reads OTLP/JSON TracesData.
func otlpSpans(data []byte) ([]escrowtrace.Span, error) { return escrowtrace.ParseOTLP(data) }

// buildFile rebuilds the v1 timeline from one trace's spans. A trace read back
// from OTLP has only ended spans; Build marks it incomplete when it has no root.
func buildFile(spans []escrowtrace.Span) (*escrowtrace.File, error) {
	return escrowtrace.Build(spans, escrowtrace.BuildOptions{})
}

// traceIDFor maps an escrow ID to its trace ID.
func traceIDFor(escrowID string) (string, error) { return escrow.TraceIDFor(escrowID) }

// ValidateSchema checks raw file bytes against the v1 JSON schema.
func ValidateSchema(data []byte) error { return escrowtrace.Validate(data) }

// recordedErrorKind is the error's kind as the file recorded it (the
// contract's error.kind), "" for files that did not record one: then the
// analyzer derives the kind (see failkind.go).
func recordedErrorKind(e *escrowtrace.EventError) escrow.Kind {
	if e == nil {
		return ""
	}
	return e.Kind
}
