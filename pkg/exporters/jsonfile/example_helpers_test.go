package jsonfile_test

import (
	"bytes"
	"io"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

func sdktraceAttrs(kv ...attribute.KeyValue) trace.SpanStartOption {
	return trace.WithAttributes(kv...)
}

func bytesReader(b []byte) io.Reader { return bytes.NewReader(b) }
