package spanconv

import (
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// buildFields is the part of a converted span that escrowtrace.Build reads.
func buildFields(s escrowtrace.Span) escrowtrace.Span {
	return escrowtrace.Span{
		TraceID: s.TraceID, SpanID: s.SpanID, ParentSpanID: s.ParentSpanID, Start: s.Start, End: s.End,
		Attributes: s.Attributes, Events: s.Events, StatusError: s.StatusError, StatusMessage: s.StatusMessage, Service: s.Service,
	}
}

func TestKeep(t *testing.T) {
	tid := trace.TraceID{0x4b, 15: 1}
	start := time.Date(2025, 3, 1, 13, 0, 0, 0, time.FixedZone("x", 3600))
	attrs := make([]attribute.KeyValue, 0, 8) // spare capacity, as a span's own slice has
	attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowID, "e1"), attribute.String("wallet.password", "hunter2"), attribute.Int("n", 1))
	evAttrs := make([]attribute.KeyValue, 0, 4)
	evAttrs = append(evAttrs, attribute.Bool(escrowtrace.AttrSnapshotIsMultisig, true))
	base := tracetest.SpanStub{
		Name:        "wallet open_wallet",
		SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{7: 2}, TraceFlags: trace.FlagsSampled}),
		Parent:      trace.NewSpanContext(trace.SpanContextConfig{TraceID: tid, SpanID: trace.SpanID{7: 1}}),
		StartTime:   start, EndTime: start.Add(time.Second),
		Attributes: attrs,
		Events:     []sdktrace.Event{{Name: escrowtrace.EventSnapshotFinal, Time: start, Attributes: evAttrs, DroppedAttributeCount: 2}},
		Status:     sdktrace.Status{Code: codes.Error, Description: "boom"},
		Resource:   resource.NewSchemaless(attribute.String("service.name", "escrowd")),
	}
	root := base
	root.Parent = trace.SpanContext{}
	root.Status = sdktrace.Status{Code: codes.Ok}
	root.Events = nil
	noID := base
	noID.Attributes = []attribute.KeyValue{attribute.Int(escrowtrace.AttrEscrowID, 7)}
	noID.Resource = nil
	withSlice := base
	withSlice.Attributes = append(slices.Clip(attrs), attribute.IntSlice("is", []int{1, 2}))

	tests := []struct {
		name           string
		stub           tracetest.SpanStub
		root, escrowID bool
	}{
		{"child with escrow.id", base, false, true},
		{"root", root, true, true},
		{"escrow.id not a string, no resource", noID, false, false},
		{"a slice attribute", withSlice, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ro := tt.stub.Snapshot()
			want := Convert(ro)
			for _, lossless := range []bool{false, true} {
				k := Keep(ro, lossless)
				if k.TraceID() != tid || k.IsRoot() != tt.root || k.HasEscrowID() != tt.escrowID {
					t.Errorf("lossless %v: trace %s, root %v, escrow id %v; want %s, %v, %v", lossless, k.TraceID(), k.IsRoot(), k.HasEscrowID(), tid, tt.root, tt.escrowID)
				}
				got := k.Span()
				if lossless && !reflect.DeepEqual(got, want) {
					t.Errorf("lossless: Span() = %#v, want Convert's %#v", got, want)
				}
				if !lossless && !reflect.DeepEqual(got, buildFields(want)) {
					t.Errorf("Span() = %#v, want Convert's fields that Build reads %#v", got, buildFields(want))
				}
			}
		})
	}
}

func TestTight(t *testing.T) {
	loose := make([]attribute.KeyValue, 2, 8)
	loose[0], loose[1] = attribute.String("a", "b"), attribute.Int("c", 1)
	exact := loose[:2:2]
	tests := []struct {
		name  string
		in    []attribute.KeyValue
		share bool
	}{
		{"nil", nil, false},
		{"spare capacity: copied", loose, false},
		{"exact: shared", exact, true},
	}
	for _, tt := range tests {
		got := tight(tt.in)
		if !reflect.DeepEqual(got, tt.in) && len(tt.in) > 0 {
			t.Errorf("%s: tight = %v, want %v", tt.name, got, tt.in)
		}
		if cap(got) != len(got) {
			t.Errorf("%s: cap %d, len %d", tt.name, cap(got), len(got))
		}
		if shared := len(got) > 0 && &got[0] == &tt.in[0]; shared != tt.share {
			t.Errorf("%s: shared %v, want %v", tt.name, shared, tt.share)
		}
	}

}

func TestPack(t *testing.T) {
	all := []attribute.KeyValue{
		attribute.String("s", "v"), attribute.String("empty", ""), attribute.String("long", strings.Repeat("x", 300)),
		attribute.Bool("t", true), attribute.Bool("f", false),
		attribute.Int64("zero", 0), attribute.Int64("neg", -1), attribute.Int64("min", math.MinInt64), attribute.Int64("max", math.MaxInt64),
		attribute.Float64("pi", math.Pi), attribute.Float64("inf", math.Inf(-1)), attribute.Float64("negzero", math.Copysign(0, -1)),
		attribute.String("wallet.password", "hunter2"), attribute.Int("auth.token", 5),
		attribute.String("dup", "first"), attribute.Int("dup", 2),
		attribute.String(strings.Repeat("k", 200), "long key"),
	}
	tests := []struct {
		name  string
		kvs   []attribute.KeyValue
		loose bool
	}{
		{"none", nil, false},
		{"primitive values", all, false},
		{"a slice value keeps the slice", append(slices.Clip(all), attribute.StringSlice("ss", []string{"a"})), true},
		{"more than 64", append(slices.Repeat(all[:1], 70), attribute.String("x.secret", "s"), attribute.Int("n", 1)), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := pack(tt.kvs)
			if (p.loose != nil) != tt.loose {
				t.Fatalf("loose %v, want %v", p.loose != nil, tt.loose)
			}
			if got, want := p.toMap(), attributes(tt.kvs); !reflect.DeepEqual(got, want) {
				t.Errorf("toMap() = %v, want attributes()'s %v", got, want)
			}
			if !tt.loose && strings.Contains(p.packed, "hunter2") {
				t.Errorf("packed attributes hold a secret: %q", p.packed)
			}
			for _, key := range []string{"s", "t", "pi", "dup", "wallet.password", "absent"} {
				_, want := attributes(tt.kvs)[key].(string)
				if got := p.hasString(key); got != want {
					t.Errorf("hasString(%q) = %v, want %v", key, got, want)
				}
			}
		})
	}
}

// TestConverter: a Converter gives each span what Kept.Span gives, however
// many traces and parents it has seen.
func TestConverter(t *testing.T) {
	var c Converter
	for i := range 40 {
		stub := tracetest.SpanStub{
			SpanContext: trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{byte(i % 3), 15: 1}, SpanID: trace.SpanID{7: byte(100 + i)}}),
			Parent:      trace.NewSpanContext(trace.SpanContextConfig{TraceID: trace.TraceID{1}, SpanID: trace.SpanID{7: byte(i % 11)}}),
			Attributes:  []attribute.KeyValue{attribute.Int("i", i)},
		}
		k := Keep(stub.Snapshot(), false)
		if got, want := c.Span(&k), k.Span(); !reflect.DeepEqual(got, want) {
			t.Fatalf("span %d: Converter.Span = %#v, want %#v", i, got, want)
		}
	}
}
