package escrowtrace

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
)

// The OTLP/JSON model (opentelemetry-proto's JSON mapping) of what the file's
// "otlp" section and Jaeger's /api/v3 answers hold. Writing follows the
// OTLP/JSON rules (lowerCamelCase names, hex IDs, 64-bit integers as strings,
// enums as integers); reading also accepts what protojson may produce instead
// (numbers for 64-bit integers, enum names, base64 IDs).

type otlpTracesData struct {
	ResourceSpans []otlpResourceSpans `json:"resourceSpans"`
}

type otlpResourceSpans struct {
	Resource   otlpResource     `json:"resource"`
	ScopeSpans []otlpScopeSpans `json:"scopeSpans"`
	SchemaURL  string           `json:"schemaUrl,omitempty"`
}

type otlpResource struct {
	Attributes             []otlpKeyValue `json:"attributes,omitempty"`
	DroppedAttributesCount flexUint       `json:"droppedAttributesCount,omitempty"`
}

type otlpScopeSpans struct {
	Scope     otlpScope  `json:"scope"`
	Spans     []otlpSpan `json:"spans"`
	SchemaURL string     `json:"schemaUrl,omitempty"`
}

type otlpScope struct {
	Name                   string         `json:"name,omitempty"`
	Version                string         `json:"version,omitempty"`
	Attributes             []otlpKeyValue `json:"attributes,omitempty"`
	DroppedAttributesCount flexUint       `json:"droppedAttributesCount,omitempty"`
}

type otlpSpan struct {
	TraceID                string         `json:"traceId"`
	SpanID                 string         `json:"spanId"`
	TraceState             string         `json:"traceState,omitempty"`
	ParentSpanID           string         `json:"parentSpanId,omitempty"`
	Flags                  flexUint       `json:"flags,omitempty"`
	Name                   string         `json:"name"`
	Kind                   otlpEnum       `json:"kind"`
	StartTimeUnixNano      flexUint64     `json:"startTimeUnixNano"`
	EndTimeUnixNano        flexUint64     `json:"endTimeUnixNano"`
	Attributes             []otlpKeyValue `json:"attributes,omitempty"`
	DroppedAttributesCount flexUint       `json:"droppedAttributesCount,omitempty"`
	Events                 []otlpEvent    `json:"events,omitempty"`
	DroppedEventsCount     flexUint       `json:"droppedEventsCount,omitempty"`
	Links                  []otlpLink     `json:"links,omitempty"`
	DroppedLinksCount      flexUint       `json:"droppedLinksCount,omitempty"`
	Status                 otlpStatus     `json:"status"`
}

type otlpEvent struct {
	TimeUnixNano           flexUint64     `json:"timeUnixNano"`
	Name                   string         `json:"name"`
	Attributes             []otlpKeyValue `json:"attributes,omitempty"`
	DroppedAttributesCount flexUint       `json:"droppedAttributesCount,omitempty"`
}

type otlpLink struct {
	TraceID                string         `json:"traceId"`
	SpanID                 string         `json:"spanId"`
	TraceState             string         `json:"traceState,omitempty"`
	Attributes             []otlpKeyValue `json:"attributes,omitempty"`
	DroppedAttributesCount flexUint       `json:"droppedAttributesCount,omitempty"`
	Flags                  flexUint       `json:"flags,omitempty"`
}

type otlpStatus struct {
	Message string   `json:"message,omitempty"`
	Code    otlpEnum `json:"code,omitempty"`
}

type otlpKeyValue struct {
	Key   string       `json:"key"`
	Value otlpAnyValue `json:"value"`
}

// OTLP enum values this package needs by number.
const (
	statusCodeOK    = 1
	statusCodeError = 2
)

// enumNames maps protojson's enum names to their numbers.
var enumNames = map[string]int{
	"SPAN_KIND_UNSPECIFIED": 0, "SPAN_KIND_INTERNAL": 1, "SPAN_KIND_SERVER": 2,
	"SPAN_KIND_CLIENT": 3, "SPAN_KIND_PRODUCER": 4, "SPAN_KIND_CONSUMER": 5,
	"STATUS_CODE_UNSET": 0, "STATUS_CODE_OK": statusCodeOK, "STATUS_CODE_ERROR": statusCodeError,
}

// otlpEnum is an enum, written as its number, read from a number or a name.
type otlpEnum int

func (e *otlpEnum) UnmarshalJSON(data []byte) error {
	var name string
	if json.Unmarshal(data, &name) == nil {
		n, ok := enumNames[name]
		if !ok {
			return fmt.Errorf("unknown enum value %.40q", name)
		}
		*e = otlpEnum(n)
		return nil
	}
	var n int32
	if err := json.Unmarshal(data, &n); err != nil {
		return fmt.Errorf("enum: want a number or a name, got %s", show(data))
	}
	*e = otlpEnum(n)
	return nil
}

// flexUint64 is a fixed64/uint64: written as a string, read from a string or a number.
type flexUint64 uint64

func (u flexUint64) MarshalJSON() ([]byte, error) {
	return strconv.AppendQuote(nil, strconv.FormatUint(uint64(u), 10)), nil
}

func (u *flexUint64) UnmarshalJSON(data []byte) error {
	n, err := parseJSONUint(data, 64)
	*u = flexUint64(n)
	return err
}

// flexUint is a uint32 or fixed32: written as a number, read from a number or a string.
type flexUint uint32

func (u *flexUint) UnmarshalJSON(data []byte) error {
	n, err := parseJSONUint(data, 32)
	*u = flexUint(n)
	return err
}

func parseJSONUint(data []byte, bits int) (uint64, error) {
	text := string(bytes.TrimSpace(data))
	var s string
	if json.Unmarshal(data, &s) == nil {
		text = s
	}
	n, err := strconv.ParseUint(text, 10, bits)
	if err != nil {
		return 0, fmt.Errorf("want an unsigned %d-bit integer, got %s", bits, show(data))
	}
	return n, nil
}

// otlpAnyValue holds an attribute value as Span.Attributes do: nil, string,
// bool, int64, float64, []any, map[string]any or []byte.
type otlpAnyValue struct{ v any }

type otlpArray struct {
	Values []otlpAnyValue `json:"values"`
}

type otlpKVList struct {
	Values []otlpKeyValue `json:"values"`
}

func (a otlpAnyValue) MarshalJSON() ([]byte, error) {
	switch v := a.v.(type) {
	case nil:
		return []byte("{}"), nil
	case string:
		return json.Marshal(struct {
			V string `json:"stringValue"`
		}{v})
	case bool:
		return json.Marshal(struct {
			V bool `json:"boolValue"`
		}{v})
	case int64:
		return json.Marshal(struct {
			V string `json:"intValue"`
		}{strconv.FormatInt(v, 10)})
	case int:
		return otlpAnyValue{int64(v)}.MarshalJSON()
	case float64:
		var d any = v
		switch {
		case math.IsNaN(v):
			d = "NaN"
		case math.IsInf(v, 1):
			d = "Infinity"
		case math.IsInf(v, -1):
			d = "-Infinity"
		}
		return json.Marshal(struct {
			V any `json:"doubleValue"`
		}{d})
	case []byte:
		return json.Marshal(struct {
			V []byte `json:"bytesValue"` // encoding/json writes []byte as base64, as OTLP/JSON wants
		}{v})
	case []any:
		arr := otlpArray{Values: make([]otlpAnyValue, len(v))}
		for i, x := range v {
			arr.Values[i] = otlpAnyValue{x}
		}
		return json.Marshal(struct {
			V otlpArray `json:"arrayValue"`
		}{arr})
	case map[string]any:
		return json.Marshal(struct {
			V otlpKVList `json:"kvlistValue"`
		}{otlpKVList{Values: keyValues(v)}})
	}
	return nil, fmt.Errorf("attribute value of type %T has no OTLP form", a.v)
}

func (a *otlpAnyValue) UnmarshalJSON(data []byte) error {
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return fmt.Errorf("attribute value: want an object, got %s", show(data))
	}
	a.v = nil
	for k, raw := range m {
		var err error
		switch k {
		case "stringValue":
			var s string
			err = json.Unmarshal(raw, &s)
			a.v = s
		case "boolValue":
			var b bool
			err = json.Unmarshal(raw, &b)
			a.v = b
		case "intValue":
			a.v, err = parseJSONInt(raw)
		case "doubleValue":
			a.v, err = parseJSONDouble(raw)
		case "bytesValue":
			var b []byte
			err = json.Unmarshal(raw, &b)
			a.v = b
		case "arrayValue":
			var arr otlpArray
			err = json.Unmarshal(raw, &arr)
			vals := make([]any, len(arr.Values))
			for i, x := range arr.Values {
				vals[i] = x.v
			}
			a.v = vals
		case "kvlistValue":
			var kv otlpKVList
			err = json.Unmarshal(raw, &kv)
			m := attributeMap(kv.Values)
			if m == nil {
				m = map[string]any{} // an empty list is a value, not an absent one
			}
			a.v = m
		default:
			continue // a value kind from a newer OTLP: keep reading
		}
		if err != nil {
			return fmt.Errorf("attribute %s: %w", k, err)
		}
	}
	return nil
}

func parseJSONInt(raw json.RawMessage) (int64, error) {
	text := string(bytes.TrimSpace(raw))
	var s string
	if json.Unmarshal(raw, &s) == nil {
		text = s
	}
	n, err := strconv.ParseInt(text, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("want a 64-bit integer, got %s", show(raw))
	}
	return n, nil
}

func parseJSONDouble(raw json.RawMessage) (float64, error) {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch s {
		case "NaN":
			return math.NaN(), nil
		case "Infinity":
			return math.Inf(1), nil
		case "-Infinity":
			return math.Inf(-1), nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil {
			return 0, fmt.Errorf("want a number, got %s", show(raw))
		}
		return f, nil
	}
	var f float64
	if err := json.Unmarshal(raw, &f); err != nil {
		return 0, fmt.Errorf("want a number, got %s", show(raw))
	}
	return f, nil
}

// keyValues lists attributes sorted by key, so that the same span always
// gives the same bytes.
func keyValues(attrs map[string]any) []otlpKeyValue {
	if len(attrs) == 0 {
		return nil
	}
	kvs := make([]otlpKeyValue, 0, len(attrs))
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		kvs = append(kvs, otlpKeyValue{Key: k, Value: otlpAnyValue{attrs[k]}})
	}
	return kvs
}

// attributeMap is the inverse of keyValues; nil for no attributes.
func attributeMap(kvs []otlpKeyValue) map[string]any {
	if len(kvs) == 0 {
		return nil
	}
	m := make(map[string]any, len(kvs))
	for _, kv := range kvs {
		m[kv.Key] = kv.Value.v
	}
	return m
}

// otlpID reads a trace (n = 16) or span (n = 8) ID written as hex, as
// OTLP/JSON says, or as base64, as protojson does.
func otlpID(s string, n int) (string, error) {
	if len(s) == 2*n && isHex(s) {
		return lowerASCII(s), nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.URLEncoding, base64.RawStdEncoding, base64.RawURLEncoding} {
		if b, err := enc.DecodeString(s); err == nil && len(b) == n {
			return fmt.Sprintf("%x", b), nil
		}
	}
	return "", errors.New("want " + strconv.Itoa(2*n) + " hex characters or base64 of " + strconv.Itoa(n) + " bytes, got " + strconv.Quote(truncate(s, 40)))
}

func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
