// Package spanconv turns the SDK's finished spans (sdktrace.ReadOnlySpan) into
// escrowtrace.Span, keeping everything OTLP can carry so that the file's
// "otlp" section is lossless, except the values of attributes whose names say
// they hold secrets: those are redacted here, before anything is written.
package spanconv
