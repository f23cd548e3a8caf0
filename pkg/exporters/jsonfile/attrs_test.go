package jsonfile

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"
)

func attrKV(k string, v any) attribute.KeyValue {
	switch v := v.(type) {
	case string:
		return attribute.String(k, v)
	case bool:
		return attribute.Bool(k, v)
	case int:
		return attribute.Int(k, v)
	}
	panic("unsupported attribute type")
}

func kvs(m map[string]any) []attribute.KeyValue {
	var out []attribute.KeyValue
	for k, v := range m {
		out = append(out, attrKV(k, v))
	}
	return out
}

func withAttrs(m map[string]any) trace.SpanStartOption { return trace.WithAttributes(kvs(m)...) }

func eventAttrs(m map[string]any) trace.EventOption { return trace.WithAttributes(kvs(m)...) }
