// Package spanconv turns the SDK's finished spans (sdktrace.ReadOnlySpan) into
// escrowtrace.Span, keeping everything OTLP can carry so that the file's
// "otlp" section is lossless, except the values of attributes whose names say
// they hold secrets: those are redacted here, before anything is written.
//
// Kept is the exporter's compact form of a span while it waits for its
// escrow's root: only what the file needs, converted when the file is built.
// It keeps every attribute (packed), so the span conventions that
// escrowtrace.Build reads (escrow.phase, escrow.error.kind, the wallet.*
// snapshot fields) need nothing here.
package spanconv
