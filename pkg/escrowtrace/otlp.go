package escrowtrace

import (
	"encoding/json"
	"fmt"
	"time"
)

// serviceNameKey is the resource attribute that names the service.
const serviceNameKey = "service.name"

// EncodeOTLP writes spans as one OTLP/JSON TracesData object, the form of the
// file's "otlp" section: spans grouped by resource and scope (in order of
// first appearance), hex IDs, attributes sorted by key. ParseOTLP reads it
// back to equal spans (a nil Resource comes back as the one made of Service).
func EncodeOTLP(spans []Span) ([]byte, error) {
	td := otlpTracesData{ResourceSpans: []otlpResourceSpans{}}
	// Groups are keyed by their own JSON: equal resources and scopes marshal
	// to equal bytes because attributes are sorted.
	resIndex := make(map[string]int)      // resource JSON -> index in td.ResourceSpans
	scopeIndex := make(map[string][2]int) // resource+scope JSON -> indexes
	for i := range spans {
		s := &spans[i]
		os, err := encodeSpan(s)
		if err != nil {
			return nil, fmt.Errorf("encode OTLP: span %d (%s %s): %w", i, s.SpanID, s.Name, err)
		}
		res := encodeResource(s)
		scope := otlpScopeSpans{
			Scope: otlpScope{
				Name:                   s.Scope.Name,
				Version:                s.Scope.Version,
				Attributes:             keyValues(s.Scope.Attributes),
				DroppedAttributesCount: flexUint(s.Scope.DroppedAttributes),
			},
			SchemaURL: s.Scope.SchemaURL,
		}
		resKey, err := json.Marshal(res)
		if err != nil {
			return nil, fmt.Errorf("encode OTLP: resource of span %s: %w", s.SpanID, err)
		}
		scopeKey, err := json.Marshal(scope)
		if err != nil {
			return nil, fmt.Errorf("encode OTLP: scope of span %s: %w", s.SpanID, err)
		}
		key := string(resKey) + "\x00" + string(scopeKey)
		at, ok := scopeIndex[key]
		if !ok {
			r, ok := resIndex[string(resKey)]
			if !ok {
				td.ResourceSpans = append(td.ResourceSpans, res)
				r = len(td.ResourceSpans) - 1
				resIndex[string(resKey)] = r
			}
			rs := &td.ResourceSpans[r]
			rs.ScopeSpans = append(rs.ScopeSpans, scope)
			at = [2]int{r, len(rs.ScopeSpans) - 1}
			scopeIndex[key] = at
		}
		ss := &td.ResourceSpans[at[0]].ScopeSpans[at[1]]
		ss.Spans = append(ss.Spans, os)
	}
	data, err := json.Marshal(td)
	if err != nil {
		return nil, fmt.Errorf("encode OTLP: %w", err)
	}
	return data, nil
}

func encodeResource(s *Span) otlpResourceSpans {
	if s.Resource == nil {
		var attrs map[string]any
		if s.Service != "" {
			attrs = map[string]any{serviceNameKey: s.Service}
		}
		return otlpResourceSpans{Resource: otlpResource{Attributes: keyValues(attrs)}}
	}
	return otlpResourceSpans{
		Resource: otlpResource{
			Attributes:             keyValues(s.Resource.Attributes),
			DroppedAttributesCount: flexUint(s.Resource.DroppedAttributes),
		},
		SchemaURL: s.Resource.SchemaURL,
	}
}

func encodeSpan(s *Span) (otlpSpan, error) {
	if !isLowerHex(lowerASCII(s.TraceID), 32) {
		return otlpSpan{}, fmt.Errorf("trace id %.40q is not 32 hex characters", s.TraceID)
	}
	if !isLowerHex(lowerASCII(s.SpanID), 16) {
		return otlpSpan{}, fmt.Errorf("span id %.40q is not 16 hex characters", s.SpanID)
	}
	if s.ParentSpanID != "" && !isLowerHex(lowerASCII(s.ParentSpanID), 16) {
		return otlpSpan{}, fmt.Errorf("parent span id %.40q is not 16 hex characters", s.ParentSpanID)
	}
	os := otlpSpan{
		TraceID:                lowerASCII(s.TraceID),
		SpanID:                 lowerASCII(s.SpanID),
		TraceState:             s.TraceState,
		ParentSpanID:           lowerASCII(s.ParentSpanID),
		Flags:                  flexUint(s.Flags),
		Name:                   s.Name,
		Kind:                   otlpEnum(s.Kind),
		StartTimeUnixNano:      unixNano(s.Start),
		EndTimeUnixNano:        unixNano(s.End),
		Attributes:             keyValues(s.Attributes),
		DroppedAttributesCount: flexUint(s.DroppedAttributes),
		DroppedEventsCount:     flexUint(s.DroppedEvents),
		DroppedLinksCount:      flexUint(s.DroppedLinks),
		Status:                 otlpStatus{Message: s.StatusMessage},
	}
	switch {
	case s.StatusError:
		os.Status.Code = statusCodeError
	case s.StatusOK:
		os.Status.Code = statusCodeOK
	}
	for _, e := range s.Events {
		os.Events = append(os.Events, otlpEvent{
			TimeUnixNano:           unixNano(e.Time),
			Name:                   e.Name,
			Attributes:             keyValues(e.Attributes),
			DroppedAttributesCount: flexUint(e.DroppedAttributes),
		})
	}
	for _, l := range s.Links {
		if !isLowerHex(lowerASCII(l.TraceID), 32) || !isLowerHex(lowerASCII(l.SpanID), 16) {
			return otlpSpan{}, fmt.Errorf("link to %.40q/%.20q: bad ids", l.TraceID, l.SpanID)
		}
		os.Links = append(os.Links, otlpLink{
			TraceID:                lowerASCII(l.TraceID),
			SpanID:                 lowerASCII(l.SpanID),
			TraceState:             l.TraceState,
			Attributes:             keyValues(l.Attributes),
			DroppedAttributesCount: flexUint(l.DroppedAttributes),
			Flags:                  flexUint(l.Flags),
		})
	}
	return os, nil
}

// unixNano is t in OTLP's form; 0 stands for an unset time.
func unixNano(t time.Time) flexUint64 {
	if t.IsZero() || t.Before(time.Unix(0, 0)) {
		return 0
	}
	return flexUint64(t.UnixNano())
}

func fromUnixNano(n flexUint64) (time.Time, error) {
	if n == 0 {
		return time.Time{}, nil
	}
	if n > 1<<63-1 {
		return time.Time{}, fmt.Errorf("time %d ns is out of range", uint64(n))
	}
	return time.Unix(0, int64(n)).UTC(), nil
}

// ParseOTLP reads an OTLP/JSON TracesData object ({"resourceSpans": [...]},
// e.g. a file's "otlp" section or the result of Jaeger's /api/v3/traces) into
// spans, in document order. IDs may be hex or base64, 64-bit integers strings
// or numbers, enums numbers or names; unknown fields are ignored.
func ParseOTLP(data []byte) ([]Span, error) {
	var td otlpTracesData
	if err := json.Unmarshal(data, &td); err != nil {
		return nil, fmt.Errorf("parse OTLP: %w", err)
	}
	var spans []Span
	for i, rs := range td.ResourceSpans {
		res := &Resource{
			Attributes:        attributeMap(rs.Resource.Attributes),
			DroppedAttributes: int(rs.Resource.DroppedAttributesCount),
			SchemaURL:         rs.SchemaURL,
		}
		service, _ := res.Attributes[serviceNameKey].(string)
		for j, ss := range rs.ScopeSpans {
			scope := Scope{
				Name:              ss.Scope.Name,
				Version:           ss.Scope.Version,
				Attributes:        attributeMap(ss.Scope.Attributes),
				DroppedAttributes: int(ss.Scope.DroppedAttributesCount),
				SchemaURL:         ss.SchemaURL,
			}
			for k := range ss.Spans {
				s, err := parseSpan(&ss.Spans[k])
				if err != nil {
					return nil, fmt.Errorf("parse OTLP: resourceSpans[%d].scopeSpans[%d].spans[%d].%w", i, j, k, err)
				}
				s.Service, s.Resource, s.Scope = service, res, scope
				spans = append(spans, s)
			}
		}
	}
	return spans, nil
}

// pathError prefixes err with the field it is about.
type pathError struct {
	field string
	err   error
}

func (e *pathError) Error() string { return e.field + ": " + e.err.Error() }
func (e *pathError) Unwrap() error { return e.err }

func parseSpan(os *otlpSpan) (Span, error) {
	var err error
	s := Span{
		Name:              os.Name,
		TraceState:        os.TraceState,
		Flags:             uint32(os.Flags),
		Kind:              int(os.Kind),
		Attributes:        attributeMap(os.Attributes),
		DroppedAttributes: int(os.DroppedAttributesCount),
		DroppedEvents:     int(os.DroppedEventsCount),
		DroppedLinks:      int(os.DroppedLinksCount),
		StatusError:       os.Status.Code == statusCodeError,
		StatusOK:          os.Status.Code == statusCodeOK,
		StatusMessage:     os.Status.Message,
	}
	if s.TraceID, err = otlpID(os.TraceID, 16); err != nil {
		return Span{}, &pathError{"traceId", err}
	}
	if s.SpanID, err = otlpID(os.SpanID, 8); err != nil {
		return Span{}, &pathError{"spanId", err}
	}
	if os.ParentSpanID != "" {
		if s.ParentSpanID, err = otlpID(os.ParentSpanID, 8); err != nil {
			return Span{}, &pathError{"parentSpanId", err}
		}
		if s.ParentSpanID == "0000000000000000" {
			s.ParentSpanID = "" // an all-zero parent is no parent
		}
	}
	if s.Start, err = fromUnixNano(os.StartTimeUnixNano); err != nil {
		return Span{}, &pathError{"startTimeUnixNano", err}
	}
	if s.End, err = fromUnixNano(os.EndTimeUnixNano); err != nil {
		return Span{}, &pathError{"endTimeUnixNano", err}
	}
	for i, e := range os.Events {
		t, err := fromUnixNano(e.TimeUnixNano)
		if err != nil {
			return Span{}, &pathError{fmt.Sprintf("events[%d].timeUnixNano", i), err}
		}
		s.Events = append(s.Events, SpanEvent{
			Name:              e.Name,
			Time:              t,
			Attributes:        attributeMap(e.Attributes),
			DroppedAttributes: int(e.DroppedAttributesCount),
		})
	}
	for i, l := range os.Links {
		link := SpanLink{
			TraceState:        l.TraceState,
			Attributes:        attributeMap(l.Attributes),
			DroppedAttributes: int(l.DroppedAttributesCount),
			Flags:             uint32(l.Flags),
		}
		if link.TraceID, err = otlpID(l.TraceID, 16); err != nil {
			return Span{}, &pathError{fmt.Sprintf("links[%d].traceId", i), err}
		}
		if link.SpanID, err = otlpID(l.SpanID, 8); err != nil {
			return Span{}, &pathError{fmt.Sprintf("links[%d].spanId", i), err}
		}
		s.Links = append(s.Links, link)
	}
	return s, nil
}
