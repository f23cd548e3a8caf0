package spanconv

import (
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Kept is what the exporter holds of a finished span until its escrow's file
// is written, converted to escrowtrace.Span only then.
//
// Without the otlp section it holds only what escrowtrace.Build reads (IDs,
// times, attributes, events, status, service name), with attributes packed
// (see packedAttrs) rather than in maps or the SDK's 64-byte KeyValues; the
// snapshot the SDK made of the span, its resource and scope, links and the
// rest are not kept. With the otlp section, which is lossless, it holds the
// whole ReadOnlySpan. Secrets are redacted as Convert does.
type Kept struct {
	full sdktrace.ReadOnlySpan // lossless: the otlp section is wanted

	traceID       trace.TraceID
	spanID        trace.SpanID
	parent        trace.SpanID
	statusError   bool
	hasEscrowID   bool
	phase         string    // escrow.phase; "" for the setup's spans
	start, end    time.Time // in UTC
	attrs         packedAttrs
	events        []keptEvent
	statusMessage string
	service       string
}

// keptEvent is a span event, its attributes packed.
type keptEvent struct {
	name    string
	time    time.Time // in UTC
	attrs   packedAttrs
	dropped int
}

// Keep keeps ro: whole when lossless, else only what the file's events need.
func Keep(ro sdktrace.ReadOnlySpan, lossless bool) Kept {
	sc := ro.SpanContext()
	k := Kept{traceID: sc.TraceID(), parent: ro.Parent().SpanID(), phase: phaseAttr(ro.Attributes())}
	if lossless {
		k.full = ro
		k.hasEscrowID = hasStringAttr(ro.Attributes(), escrowtrace.AttrEscrowID)
		return k
	}
	k.spanID = sc.SpanID()
	k.start, k.end = ro.StartTime().UTC(), ro.EndTime().UTC()
	k.attrs = pack(ro.Attributes())
	k.hasEscrowID = k.attrs.hasString(escrowtrace.AttrEscrowID)
	if events := ro.Events(); len(events) > 0 {
		k.events = make([]keptEvent, len(events))
		for i, e := range events {
			k.events[i] = keptEvent{name: e.Name, time: e.Time.UTC(), dropped: e.DroppedAttributeCount}
			k.events[i].attrs = pack(e.Attributes)
		}
	}
	if st := ro.Status(); st.Code == codes.Error {
		k.statusError, k.statusMessage = true, st.Description
	}
	if r := ro.Resource(); r != nil {
		if v, ok := r.Set().Value(serviceName); ok && v.Type() == attribute.STRING {
			k.service = v.AsString()
		}
	}
	return k
}

const serviceName = attribute.Key("service.name")

func hasStringAttr(kvs []attribute.KeyValue, key string) bool {
	found := false
	for _, kv := range kvs {
		if string(kv.Key) == key {
			found = kv.Value.Type() == attribute.STRING
		}
	}
	return found
}

// phaseAttr is the span's escrow.phase, "" when it has none or it is the setup.
func phaseAttr(kvs []attribute.KeyValue) string {
	for _, kv := range kvs {
		if string(kv.Key) == escrowtrace.AttrEscrowPhase && kv.Value.Type() == attribute.STRING {
			if p := kv.Value.AsString(); p != "setup" {
				return p
			}
		}
	}
	return ""
}

// Phase is the lifecycle phase the span says it belongs to (escrow.phase):
// "" for the setup, whose spans carry none.
func (k *Kept) Phase() string { return k.phase }

// TraceID is the span's trace.
func (k *Kept) TraceID() trace.TraceID { return k.traceID }

// IsRoot reports whether the span has no parent.
func (k *Kept) IsRoot() bool { return !k.parent.IsValid() }

// HasEscrowID reports whether the span has a string escrow.id attribute.
func (k *Kept) HasEscrowID() bool { return k.hasEscrowID }

// Span converts the kept span: as Convert does when lossless, else the
// fields that escrowtrace.Build reads.
func (k *Kept) Span() escrowtrace.Span {
	var c Converter
	return c.Span(k)
}

// Converter converts the kept spans of one trace, sharing the hex strings of
// their trace ID and of the parents they have in common. The zero value is
// ready to use.
type Converter struct {
	traceID  trace.TraceID
	traceHex string
	parents  [8]struct {
		id  trace.SpanID
		hex string
	}
	nParents int
}

// Span is Kept.Span.
func (c *Converter) Span(k *Kept) escrowtrace.Span {
	if k.full != nil {
		return Convert(k.full)
	}
	s := escrowtrace.Span{
		TraceID:       c.traceString(k.traceID),
		SpanID:        k.spanID.String(),
		Start:         k.start,
		End:           k.end,
		Attributes:    k.attrs.toMap(),
		StatusError:   k.statusError,
		StatusMessage: k.statusMessage,
		Service:       k.service,
	}
	if k.parent.IsValid() {
		s.ParentSpanID = c.parentString(k.parent)
	}
	if len(k.events) > 0 {
		s.Events = make([]escrowtrace.SpanEvent, len(k.events))
		for i, e := range k.events {
			s.Events[i] = escrowtrace.SpanEvent{
				Name:              e.name,
				Time:              e.time,
				Attributes:        e.attrs.toMap(),
				DroppedAttributes: e.dropped,
			}
		}
	}
	return s
}

func (c *Converter) traceString(id trace.TraceID) string {
	if c.traceHex == "" || id != c.traceID {
		c.traceID, c.traceHex = id, id.String()
	}
	return c.traceHex
}

func (c *Converter) parentString(id trace.SpanID) string {
	for i := range c.nParents {
		if c.parents[i].id == id {
			return c.parents[i].hex
		}
	}
	hex := id.String()
	if c.nParents < len(c.parents) {
		c.parents[c.nParents].id, c.parents[c.nParents].hex = id, hex
		c.nParents++
	}
	return hex
}

// tight returns kvs itself when it has no spare capacity (the SDK's slices
// are immutable once the span ended), else a copy of just its elements, so
// that keeping a span does not keep an array grown for appends.
func tight(kvs []attribute.KeyValue) []attribute.KeyValue {
	if len(kvs) == 0 {
		return nil
	}
	if cap(kvs) == len(kvs) {
		return kvs
	}
	return append(make([]attribute.KeyValue, 0, len(kvs)), kvs...)
}
