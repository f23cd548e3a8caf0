package escrowtrace

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"
)

// fullSpans are sampleSpans with every field that OTLP can carry set.
func fullSpans() []Span {
	spans := sampleSpans()
	res := &Resource{Attributes: map[string]any{"service.name": "escrowd", "host.name": "h1"}, SchemaURL: "https://opentelemetry.io/schemas/1.43.0", DroppedAttributes: 1}
	for i := range spans {
		spans[i].Resource = res
		spans[i].Scope = Scope{Name: "github.com/escrowd/escrowd/pkg/trace", Version: "v1", Attributes: map[string]any{"k": "v"}, SchemaURL: "s"}
		spans[i].Kind = 3
		spans[i].Flags = 0x101
		spans[i].TraceState = "vendor=x"
	}
	root := &spans[3]
	root.Kind = 1
	root.StatusError, root.StatusOK = false, true
	root.Attributes["values"] = []any{int64(1), "two", 3.5, true, nil, []any{}}
	root.Attributes["map"] = map[string]any{"a": int64(-1), "b": map[string]any{}}
	root.Attributes["bytes"] = []byte{0, 1, 2, 255}
	root.Attributes["nan"] = math.Inf(-1)
	root.Attributes["empty"] = nil
	root.Links = []SpanLink{{TraceID: strings.Repeat("ab", 16), SpanID: strings.Repeat("cd", 8), TraceState: "a=b", Attributes: map[string]any{"l": int64(1)}, DroppedAttributes: 2, Flags: 1}}
	root.DroppedAttributes, root.DroppedEvents, root.DroppedLinks = 3, 4, 5
	root.Events[0].DroppedAttributes = 6
	return spans
}

func TestOTLPRoundTrip(t *testing.T) {
	spans := fullSpans()
	data, err := EncodeOTLP(spans)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ParseOTLP(data)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, spans) {
		gj := fmt.Sprintf("%#v", got)
		wj := fmt.Sprintf("%#v", spans)
		t.Fatalf("round trip differs:\n got %s\nwant %s", gj, wj)
	}
	// One resource, one scope.
	var td struct {
		ResourceSpans []struct{ ScopeSpans []json.RawMessage }
	}
	if err := json.Unmarshal(data, &td); err != nil || len(td.ResourceSpans) != 1 || len(td.ResourceSpans[0].ScopeSpans) != 1 {
		t.Errorf("grouping: %s", data)
	}
	// And the file built from either is the same.
	a, _ := Build(spans, BuildOptions{})
	b, _ := Build(got, BuildOptions{})
	if !reflect.DeepEqual(a, b) {
		t.Error("Build differs after the OTLP round trip")
	}
}

// A span without a Resource gets one of service.name alone; scopes group apart.
func TestEncodeOTLPGroups(t *testing.T) {
	spans := sampleSpans()
	spans[1].Scope.Name = "other"
	data, err := EncodeOTLP(spans)
	if err != nil {
		t.Fatal(err)
	}
	want := `"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"escrowd"}}]}`
	if !strings.Contains(string(data), want) || strings.Count(string(data), `"scope":`) != 2 || strings.Count(string(data), `"resource":`) != 1 {
		t.Errorf("EncodeOTLP = %s", data)
	}
	got, err := ParseOTLP(data)
	if err != nil || len(got) != 4 || got[0].Service != "escrowd" {
		t.Errorf("ParseOTLP = %v, %v", got, err)
	}
}

// What protojson and other writers may produce instead of canonical OTLP/JSON.
func TestParseOTLPSpellings(t *testing.T) {
	in := `{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"svc"}}]},
	 "scopeSpans":[{"scope":{"name":"s"},"spans":[{
	  "traceId":"S/kvNXezTaajzpKdDg5HNg==","spanId":"APBnqgupArc=","parentSpanId":"AAAAAAAAAAA=",
	  "name":"escrow.setup","kind":"SPAN_KIND_INTERNAL","startTimeUnixNano":1740830400000000000,"endTimeUnixNano":"1740830400040000000",
	  "attributes":[{"key":"escrow.id","value":{"stringValue":"esc-1"}},{"key":"n","value":{"intValue":7}},
	   {"key":"d","value":{"doubleValue":"NaN"}},{"key":"future","value":{"newKind":1}}],
	  "droppedAttributesCount":"2","status":{"code":"STATUS_CODE_ERROR","message":"m"},"unknownField":1}]}]}]}`
	spans, err := ParseOTLP([]byte(in))
	if err != nil {
		t.Fatal(err)
	}
	s := spans[0]
	if s.TraceID != sampleTrace || s.SpanID != sampleRoot || s.ParentSpanID != "" || s.Kind != 1 || !s.StatusError ||
		s.Attributes["n"] != int64(7) || !math.IsNaN(s.Attributes["d"].(float64)) || s.Attributes["future"] != nil ||
		s.DroppedAttributes != 2 || !s.Start.Equal(t0) || !s.End.Equal(at(40)) || s.Service != "svc" {
		t.Errorf("span = %+v", s)
	}
}

func TestParseOTLPErrors(t *testing.T) {
	span := func(fields string) string {
		return `{"resourceSpans":[{"scopeSpans":[{"spans":[{` + fields + `}]}]}]}`
	}
	ids := `"traceId":"4bf92f3577b34da6a3ce929d0e0e4736","spanId":"00f067aa0ba902b7"`
	tests := []struct{ name, in, want string }{
		{"not json", `{`, "parse OTLP: unexpected end of JSON input"},
		{"bad trace id", span(`"traceId":"xyz","spanId":"00f067aa0ba902b7"`), `resourceSpans[0].scopeSpans[0].spans[0].traceId: want 32 hex characters or base64 of 16 bytes, got "xyz"`},
		{"missing span id", span(`"traceId":"4bf92f3577b34da6a3ce929d0e0e4736"`), `spans[0].spanId: want 16 hex`},
		{"bad kind", span(ids + `,"kind":"SPAN_KIND_WHAT"`), `unknown enum value "SPAN_KIND_WHAT"`},
		{"bad time", span(ids + `,"startTimeUnixNano":"-1"`), "want an unsigned 64-bit integer"},
		{"time out of range", span(ids + `,"startTimeUnixNano":"18446744073709551615"`), "out of range"},
		{"bad int attr", span(ids + `,"attributes":[{"key":"a","value":{"intValue":"1.5"}}]`), "attribute intValue: want a 64-bit integer"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseOTLP([]byte(tt.in))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func TestEncodeOTLPErrors(t *testing.T) {
	spans := sampleSpans()
	spans[0].Attributes["bad"] = struct{}{}
	if _, err := EncodeOTLP(spans); err == nil || !strings.Contains(err.Error(), "struct {}") {
		t.Errorf("unencodable attribute: err = %v", err)
	}
	spans = sampleSpans()
	spans[2].SpanID = "short"
	if _, err := EncodeOTLP(spans); err == nil || !strings.Contains(err.Error(), "span id") {
		t.Errorf("bad span id: err = %v", err)
	}
}
