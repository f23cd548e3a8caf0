package spanconv

import (
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// OTLP span flag bits that carry whether the parent was remote.
const (
	flagHasIsRemote = 0x100
	flagIsRemote    = 0x200
)

// Convert copies one finished span. Times are in UTC (and so carry no
// monotonic reading), attributes are plain Go values, secrets are redacted.
func Convert(ro sdktrace.ReadOnlySpan) escrowtrace.Span {
	sc := ro.SpanContext()
	s := escrowtrace.Span{
		TraceID:           sc.TraceID().String(),
		SpanID:            sc.SpanID().String(),
		Name:              ro.Name(),
		Start:             ro.StartTime().UTC(),
		End:               ro.EndTime().UTC(),
		Attributes:        attributes(ro.Attributes()),
		Kind:              int(ro.SpanKind()),
		TraceState:        sc.TraceState().String(),
		Flags:             flags(sc, ro.Parent()),
		DroppedAttributes: ro.DroppedAttributes(),
		DroppedEvents:     ro.DroppedEvents(),
		DroppedLinks:      ro.DroppedLinks(),
	}
	if p := ro.Parent(); p.SpanID().IsValid() {
		s.ParentSpanID = p.SpanID().String()
	}
	switch st := ro.Status(); st.Code {
	case codes.Error:
		s.StatusError, s.StatusMessage = true, st.Description
	case codes.Ok:
		s.StatusOK = true
	}
	for _, e := range ro.Events() {
		s.Events = append(s.Events, escrowtrace.SpanEvent{
			Name:              e.Name,
			Time:              e.Time.UTC(),
			Attributes:        attributes(e.Attributes),
			DroppedAttributes: e.DroppedAttributeCount,
		})
	}
	for _, l := range ro.Links() {
		s.Links = append(s.Links, escrowtrace.SpanLink{
			TraceID:           l.SpanContext.TraceID().String(),
			SpanID:            l.SpanContext.SpanID().String(),
			TraceState:        l.SpanContext.TraceState().String(),
			Attributes:        attributes(l.Attributes),
			DroppedAttributes: l.DroppedAttributeCount,
			Flags:             flags(l.SpanContext, trace.SpanContext{}),
		})
	}
	if r := ro.Resource(); r != nil {
		s.Resource = &escrowtrace.Resource{Attributes: attributes(r.Attributes()), SchemaURL: r.SchemaURL()}
		s.Service, _ = s.Resource.Attributes["service.name"].(string)
	}
	scope := ro.InstrumentationScope()
	s.Scope = escrowtrace.Scope{
		Name:       scope.Name,
		Version:    scope.Version,
		SchemaURL:  scope.SchemaURL,
		Attributes: attributes(scope.Attributes.ToSlice()),
	}
	return s
}

// flags are the OTLP span flags: the W3C trace flags and whether the parent
// (for a link: the linked span) is remote.
func flags(sc, parent trace.SpanContext) uint32 {
	f := uint32(sc.TraceFlags()) | flagHasIsRemote
	if parent.IsRemote() || (!parent.IsValid() && sc.IsRemote()) {
		f |= flagIsRemote
	}
	return f
}

// attributes turns key-values into the map escrowtrace.Span holds; nil for none.
func attributes(kvs []attribute.KeyValue) map[string]any {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		k := string(kv.Key)
		if Secret(k) {
			m[k] = Redacted
			continue
		}
		m[k] = value(kv.Value)
	}
	return m
}

func value(v attribute.Value) any {
	switch v.Type() {
	case attribute.BOOL:
		return v.AsBool()
	case attribute.INT64:
		return v.AsInt64()
	case attribute.FLOAT64:
		return v.AsFloat64()
	case attribute.STRING:
		return v.AsString()
	case attribute.BOOLSLICE:
		return anySlice(v.AsBoolSlice())
	case attribute.INT64SLICE:
		return anySlice(v.AsInt64Slice())
	case attribute.FLOAT64SLICE:
		return anySlice(v.AsFloat64Slice())
	case attribute.STRINGSLICE:
		return anySlice(v.AsStringSlice())
	case attribute.BYTESLICE:
		return v.AsByteSlice()
	case attribute.SLICE:
		vals := v.AsSlice()
		out := make([]any, len(vals))
		for i, x := range vals {
			out[i] = value(x)
		}
		return out
	case attribute.MAP:
		m := attributes(v.AsMap())
		if m == nil {
			m = map[string]any{}
		}
		return m
	}
	return nil // EMPTY, or a type from a newer SDK
}

func anySlice[T any](xs []T) []any {
	out := make([]any, len(xs))
	for i, x := range xs {
		out[i] = x
	}
	return out
}
