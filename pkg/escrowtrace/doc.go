// Package escrowtrace is the escrow trace format, version 1: the Go types of the
// escrow_<id>.json contract (see shared/escrow-trace), the span conventions that
// escrowd's tracing follows (attribute keys and span event names), and the one
// conversion from a trace's spans to the file's flat event timeline.
//
// Writers (the JSON-file exporter) and readers (the analyzer, which also rebuilds
// timelines from OTLP/JSON and Jaeger) share this package, so that one trace read
// from either sink gives the same events.
package escrowtrace
