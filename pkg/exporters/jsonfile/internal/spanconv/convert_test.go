package spanconv

import (
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/instrumentation"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

func TestConvert(t *testing.T) {
	tid := trace.TraceID{0x4b, 0xf9, 15: 1}
	ts, _ := trace.ParseTraceState("vendor=x")
	sc := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{7: 2}, TraceFlags: trace.FlagsSampled, TraceState: ts})
	parent := trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{7: 1}, Remote: true})
	linked := trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{2}})
	local := time.FixedZone("x", 3600)
	start := time.Date(2025, 3, 1, 13, 0, 0, 0, local)
	stub := tracetest.SpanStub{
		Name: "wallet make_multisig", SpanContext: sc, Parent: parent, SpanKind: trace.SpanKindClient,
		StartTime: start, EndTime: start.Add(time.Second),
		Attributes: []attribute.KeyValue{
			attribute.String("s", "v"), attribute.Bool("b", true), attribute.Int64("i", -3), attribute.Float64("f", 1.5),
			attribute.StringSlice("ss", []string{"a"}), attribute.Int64Slice("is", []int64{1, 2}),
			attribute.BoolSlice("bs", []bool{false}), attribute.Float64Slice("fs", []float64{0.5}),
			attribute.String("wallet.password", "hunter2"),
			attribute.ByteSlice("by", []byte{1, 2}),
			attribute.Slice("sl", attribute.IntValue(1), attribute.StringValue("x")),
			attribute.Map("m", attribute.String("k", "v"), attribute.String("auth.token", "t")),
			attribute.Map("em"),
		},
		Events:            []sdktrace.Event{{Name: "SNAPSHOT_FINAL", Time: start, Attributes: []attribute.KeyValue{attribute.String("wallet.seed", "words")}, DroppedAttributeCount: 1}},
		Links:             []sdktrace.Link{{SpanContext: linked, Attributes: []attribute.KeyValue{attribute.Int("n", 1)}}},
		Status:            sdktrace.Status{Code: codes.Error, Description: "boom"},
		DroppedAttributes: 1, DroppedEvents: 2, DroppedLinks: 3,
		Resource:             resource.NewSchemaless(attribute.String("service.name", "escrowd")),
		InstrumentationScope: instrumentation.Scope{Name: "n", Version: "v", SchemaURL: "u", Attributes: attribute.NewSet(attribute.String("a", "b"))},
	}
	got := Convert(stub.Snapshot())
	want := escrowtrace.Span{
		TraceID: tid.String(), SpanID: "0000000000000002", ParentSpanID: "0000000000000001",
		Name: "wallet make_multisig", Start: start.UTC(), End: start.Add(time.Second).UTC(),
		Attributes: map[string]any{
			"s": "v", "b": true, "i": int64(-3), "f": 1.5, "ss": []any{"a"}, "is": []any{int64(1), int64(2)},
			"bs": []any{false}, "fs": []any{0.5}, "wallet.password": Redacted,
			"by": []byte{1, 2}, "sl": []any{int64(1), "x"}, "m": map[string]any{"k": "v", "auth.token": Redacted}, "em": map[string]any{},
		},
		Events:      []escrowtrace.SpanEvent{{Name: "SNAPSHOT_FINAL", Time: start.UTC(), Attributes: map[string]any{"wallet.seed": Redacted}, DroppedAttributes: 1}},
		StatusError: true, StatusMessage: "boom", Service: "escrowd",
		Kind: 3, TraceState: "vendor=x", Flags: 0x01 | flagHasIsRemote | flagIsRemote,
		Links:             []escrowtrace.SpanLink{{TraceID: linked.TraceID().String(), SpanID: linked.SpanID().String(), Attributes: map[string]any{"n": int64(1)}, Flags: flagHasIsRemote}},
		DroppedAttributes: 1, DroppedEvents: 2, DroppedLinks: 3,
		Resource: &escrowtrace.Resource{Attributes: map[string]any{"service.name": "escrowd"}},
		Scope:    escrowtrace.Scope{Name: "n", Version: "v", SchemaURL: "u", Attributes: map[string]any{"a": "b"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Convert:\n got %#v\nwant %#v", got, want)
	}
	// A root span has no parent ID, and a span with Ok status says so.
	stub.Parent = trace.SpanContext{}
	stub.Status = sdktrace.Status{Code: codes.Ok}
	got = Convert(stub.Snapshot())
	if got.ParentSpanID != "" || !got.StatusOK || got.StatusError || got.Flags != 0x01|flagHasIsRemote {
		t.Errorf("root: parent %q, ok %v, error %v, flags %#x", got.ParentSpanID, got.StatusOK, got.StatusError, got.Flags)
	}
}
