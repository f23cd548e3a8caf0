package jsonfile

import (
	"bytes"
	"encoding/json"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/exporters/jsonfile/internal/spanconv"
)

// builtFile is the file Build makes of a hand-made escrow.
func builtFile(t testing.TB, c escrowCase, opts escrowtrace.BuildOptions, otlp bool) *escrowtrace.File {
	t.Helper()
	var spans []escrowtrace.Span
	for _, ro := range escrowStubs(c).Snapshots() {
		spans = append(spans, spanconv.Convert(ro))
	}
	f, err := escrowtrace.Build(spans, opts)
	if err != nil {
		t.Fatal(err)
	}
	if otlp {
		if f.OTLP, err = escrowtrace.EncodeOTLP(spans); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestAppendFile(t *testing.T) {
	tm := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	odd := "a<b>&c\"q\\ \x00\x01\b\f\n\r\t\x1f\x7f é \u2028\u2029 \xff\xfe 😀"
	tests := []struct {
		name string
		f    *escrowtrace.File
	}{
		{"success", builtFile(t, escrowCase{escrowID: "e1", trace: 1, start: t0}, escrowtrace.BuildOptions{}, false)},
		{"failed", builtFile(t, escrowCase{escrowID: "e2", trace: 2, start: t0, failed: true}, escrowtrace.BuildOptions{}, false)},
		{"failed+otlp", builtFile(t, escrowCase{escrowID: "e3", trace: 3, start: t0, failed: true}, escrowtrace.BuildOptions{}, true)},
		{"incomplete", builtFile(t, escrowCase{escrowID: "e4", trace: 4, start: t0}, escrowtrace.BuildOptions{Incomplete: true, Service: "x"}, false)},
		{"empty", &escrowtrace.File{}},
		{"odd strings and numbers", &escrowtrace.File{
			Schema: odd, EscrowID: odd, TraceID: odd, Service: odd, StartedAt: tm.In(time.FixedZone("z", -5*3600)),
			EndedAt: &tm, DurationMS: ptrTo(1e21), Outcome: odd,
			Error: &escrowtrace.FileError{Message: odd, Role: odd, Round: -7, Operation: odd},
			Events: []escrowtrace.Event{
				{Seq: 0, Type: odd, Time: tm, OffsetMS: 1e-7, Role: odd, Round: 3, Method: odd, Endpoint: odd, SpanID: odd,
					DurationMS: ptrTo(123.456), Error: &escrowtrace.EventError{Code: ptrTo(-32601), Message: odd}},
				{Seq: 1, Type: "x", OffsetMS: 1.5e-300, DurationMS: ptrTo(0.0), Error: &escrowtrace.EventError{},
					Context: &escrowtrace.ErrorContext{}},
				{Seq: 2, OffsetMS: -2.5e22, Context: &escrowtrace.ErrorContext{Round: 2, Operation: odd, WalletID: odd, EscrowID: odd},
					Snapshot: &escrowtrace.Snapshot{}},
				{Seq: math.MaxInt64, OffsetMS: math.MaxFloat64, Snapshot: &escrowtrace.Snapshot{
					WalletID: odd, IsMultisig: true, Ready: ptrTo(false), Threshold: ptrTo(0), Total: ptrTo(math.MinInt64),
					Balance: ptrTo(uint64(math.MaxUint64)), UnlockedBalance: ptrTo(uint64(0)), AddressHash: odd, WalletFileMode: odd, Error: odd}},
			},
			OTLP: json.RawMessage(" {\"a\": [1, {\"b\": \"<&>\"}, [], {}], \"c\": \"\u2028\"} "),
		}},
		{"otlp with spaces, no escaping needed", &escrowtrace.File{
			OTLP: json.RawMessage("\n {\"a\" :\t[1 , {\"b\": \"x y\\u003c\"}, [ ], { }],\r\n \"c\": \"\u2027\u00e2\"}\n\t "),
		}},
		{"otlp with U+2029 only", &escrowtrace.File{OTLP: json.RawMessage("[\"\u2029\"]")}},
		{"extra fields take encoding/json's path", &escrowtrace.File{
			Schema: escrowtrace.Schema, Extra: map[string]json.RawMessage{"zz": json.RawMessage(`{"k": 1}`)},
			Events: []escrowtrace.Event{{Type: "T", Extra: map[string]json.RawMessage{"x": json.RawMessage(`[1]`)}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := json.MarshalIndent(tt.f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			prefix := []byte("kept")
			got, err := appendFile(slices.Clone(prefix), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(got, prefix) {
				t.Fatalf("appendFile dropped what dst held: %.20q", got)
			}
			if got = got[len(prefix):]; !bytes.Equal(got, want) {
				t.Errorf("appendFile differs from json.MarshalIndent at byte %d:\n got %s\nwant %s", diffAt(got, want), got, want)
			}
		})
	}
}

func TestAppendFileErrors(t *testing.T) {
	tests := []struct {
		name string
		f    *escrowtrace.File
		want string
	}{
		{"NaN offset", &escrowtrace.File{Events: []escrowtrace.Event{{OffsetMS: math.NaN()}}}, "unsupported value NaN"},
		{"infinite duration", &escrowtrace.File{DurationMS: ptrTo(math.Inf(1))}, "unsupported value +Inf"},
		{"year 10000", &escrowtrace.File{StartedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "year outside of range"},
		{"bad otlp", &escrowtrace.File{OTLP: json.RawMessage(`{"a":`)}, "otlp section"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := json.MarshalIndent(tt.f, "", "  "); err == nil {
				t.Fatal("json.MarshalIndent accepts it: the test case is wrong")
			}
			got, err := appendFile([]byte("kept"), tt.f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if string(got) != "kept" {
				t.Errorf("on error dst = %q, want it unchanged", got)
			}
		})
	}
}

// FuzzAppendFile holds appendFile equal to json.MarshalIndent for any
// strings and numbers in the fields an exporter fills.
func FuzzAppendFile(f *testing.F) {
	f.Add("buyer", "open_wallet", 1.5, int64(0), uint64(0))
	f.Add("<&>\u2028\xff", "\x00\n", 1e-7, int64(-1), uint64(math.MaxUint64))
	f.Add("é😀", "", 1e21, int64(1)<<40, uint64(7))
	f.Fuzz(func(t *testing.T, s1, s2 string, x float64, n int64, u uint64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		tm := time.Unix(0, n).UTC()
		fl := &escrowtrace.File{
			Schema: s1, EscrowID: s2, TraceID: s1 + s2, Service: s2, StartedAt: tm, DurationMS: &x, Outcome: s1,
			Error: &escrowtrace.FileError{Message: s2, Role: s1, Round: int(n)},
			Events: []escrowtrace.Event{
				{Seq: int(n), Type: s1, Time: tm, OffsetMS: x, Role: s2, Round: int(n), Method: s1, Endpoint: s2, SpanID: s1,
					DurationMS: &x, Error: &escrowtrace.EventError{Code: ptrTo(int(n)), Message: s2},
					Context: &escrowtrace.ErrorContext{Round: int(n), Operation: s1, WalletID: s2, EscrowID: s1}},
				{Type: s2, Snapshot: &escrowtrace.Snapshot{WalletID: s1, IsMultisig: n%2 == 0, Ready: ptrTo(n%3 == 0),
					Threshold: ptrTo(int(n)), Total: ptrTo(int(-n)), Balance: &u, UnlockedBalance: &u, AddressHash: s2, WalletFileMode: s1, Error: s2}},
			},
		}
		want, err := json.MarshalIndent(fl, "", "  ")
		if err != nil {
			t.Skip(err)
		}
		got, err := appendFile(nil, fl)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("appendFile differs from json.MarshalIndent at byte %d:\n got %s\nwant %s", diffAt(got, want), got, want)
		}
	})
}

// TestAppendFileKnowsEveryField fails when the file's types gain a field:
// appendFile must then be taught to write it.
func TestAppendFileKnowsEveryField(t *testing.T) {
	tests := []struct {
		typ  any
		want string
	}{
		{escrowtrace.File{}, "Schema EscrowID TraceID Service StartedAt EndedAt DurationMS Outcome Error Events OTLP Extra"},
		{escrowtrace.FileError{}, "Message Role Round Operation"},
		{escrowtrace.Event{}, "Seq Type Time OffsetMS Role Round Method Endpoint SpanID DurationMS Error Context Snapshot Extra"},
		{escrowtrace.EventError{}, "Code Message"},
		{escrowtrace.ErrorContext{}, "Round Operation WalletID EscrowID"},
		{escrowtrace.Snapshot{}, "WalletID IsMultisig Ready Threshold Total Balance UnlockedBalance AddressHash WalletFileMode Error"},
	}
	for _, tt := range tests {
		typ := reflect.TypeOf(tt.typ)
		var names []string
		for f := range typ.Fields() {
			names = append(names, f.Name)
		}
		if got := strings.Join(names, " "); got != tt.want {
			t.Errorf("%s has fields %q; appendFile (encode.go) writes %q: teach it the new ones", typ, got, tt.want)
		}
	}
}

func diffAt(a, b []byte) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

func ptrTo[T any](v T) *T { return &v }

// TestKeptBuildsTheSameFile: what the exporter keeps of spans without the
// otlp section gives the file that the full conversion gives.
func TestKeptBuildsTheSameFile(t *testing.T) {
	tests := []struct {
		name string
		c    escrowCase
		opts escrowtrace.BuildOptions
	}{
		{"success", escrowCase{escrowID: "e1", trace: 1, start: t0}, escrowtrace.BuildOptions{}},
		{"failed", escrowCase{escrowID: "e2", trace: 2, start: t0, failed: true}, escrowtrace.BuildOptions{}},
		{"incomplete", escrowCase{escrowID: "e3", trace: 3, start: t0}, escrowtrace.BuildOptions{Incomplete: true}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var full, kept []escrowtrace.Span
			for _, ro := range escrowStubs(tt.c).Snapshots() {
				full = append(full, spanconv.Convert(ro))
				k := spanconv.Keep(ro, false)
				kept = append(kept, k.Span())
			}
			want, err := escrowtrace.Build(full, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			got, err := escrowtrace.Build(kept, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("Build of kept spans differs:\n got %+v\nwant %+v", got, want)
			}
		})
	}
}
