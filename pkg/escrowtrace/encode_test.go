package escrowtrace

import (
	"bytes"
	"encoding/json"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// marshalIndentReference is what encoding/json writes for f, the reference
// the one encoder is held to: json.MarshalIndent over the types' JSON tags,
// unknown fields spliced after the known ones sorted by name, and an event's
// phase left out in the setup. It marshals copies without methods, so it
// does not call the encoder it checks.
func marshalIndentReference(f *File) ([]byte, error) {
	type plainFile File
	type plainEvent Event
	p := plainFile(*f)
	p.Events, p.Extra = nil, nil
	top, err := json.Marshal(p)
	if err != nil {
		return nil, err
	}
	var events bytes.Buffer
	events.WriteByte('[')
	for i, e := range f.Events {
		if i > 0 {
			events.WriteByte(',')
		}
		if e.Phase == escrow.PhaseSetup {
			e.Phase = ""
		}
		pe := plainEvent(e)
		pe.Extra = nil
		obj, err := json.Marshal(pe)
		if err != nil {
			return nil, err
		}
		if obj, err = spliceExtra(obj, e.Extra, eventKeys); err != nil {
			return nil, err
		}
		events.Write(obj)
	}
	events.WriteByte(']')
	top = bytes.Replace(top, []byte(`"events":null`), append([]byte(`"events":`), events.Bytes()...), 1)
	if top, err = spliceExtra(top, f.Extra, fileKeys); err != nil {
		return nil, err
	}
	var compact, out bytes.Buffer
	if err := json.Compact(&compact, top); err != nil {
		return nil, err
	}
	// encoding/json escapes HTML in what a Marshaler returns; do the same.
	var escaped bytes.Buffer
	json.HTMLEscape(&escaped, compact.Bytes())
	err = json.Indent(&out, escaped.Bytes(), "", "  ")
	return out.Bytes(), err
}

func spliceExtra(obj []byte, extra map[string]json.RawMessage, known []string) ([]byte, error) {
	var keys []string
	for k := range extra {
		if !slices.Contains(known, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	if len(keys) == 0 {
		return obj, nil
	}
	b := bytes.NewBuffer(slices.Clone(obj[:len(obj)-1]))
	for _, k := range keys {
		b.WriteByte(',')
		name, _ := json.Marshal(k)
		b.Write(name)
		b.WriteByte(':')
		if err := json.Compact(b, extra[k]); err != nil {
			return nil, err
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

func builtSample(t testing.TB, opts BuildOptions, otlp bool) *File {
	t.Helper()
	f, err := Build(sampleSpans(), opts)
	if err != nil {
		t.Fatal(err)
	}
	if otlp {
		if f.OTLP, err = EncodeOTLP(fullSpans()); err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestAppendFileIsMarshalIndent(t *testing.T) {
	tm := time.Date(2025, 3, 1, 12, 0, 0, 123456789, time.UTC)
	odd := "a<b>&c\"q\\ \x00\x01\b\f\n\r\t\x1f\x7f é \u2028\u2029 \xff\xfe 😀"
	tests := []struct {
		name string
		f    *File
	}{
		{"failed", builtSample(t, BuildOptions{}, false)},
		{"failed+otlp", builtSample(t, BuildOptions{}, true)},
		{"incomplete", builtSample(t, BuildOptions{Incomplete: true, Service: "x"}, false)},
		{"lifecycle", lifecycleFile(t)},
		{"empty", &File{}},
		{"odd strings and numbers", &File{
			Schema: odd, EscrowID: odd, TraceID: odd, Service: odd, StartedAt: tm.In(time.FixedZone("z", -5*3600)),
			EndedAt: &tm, DurationMS: ptrTo(1e21), Outcome: odd,
			Error: &FileError{Message: odd, Role: odd, Round: -7, Operation: odd, Kind: escrow.Kind(odd)},
			Phases: []PhaseRecord{
				{Name: escrow.Phase(odd), Outcome: odd, StartedAt: tm, EndedAt: &tm, DurationMS: ptrTo(1e-7), Error: &FileError{}},
				{},
			},
			Events: []Event{
				{Seq: 0, Type: odd, Time: tm, OffsetMS: 1e-7, Role: odd, Round: 3, Method: odd, Endpoint: odd, SpanID: odd,
					DurationMS: ptrTo(123.456), Error: &EventError{Code: ptrTo(-32601), Message: odd, Kind: escrow.Kind(odd)}, Phase: escrow.Phase(odd)},
				{Seq: 1, Type: "x", OffsetMS: 1.5e-300, DurationMS: ptrTo(0.0), Error: &EventError{},
					Context: &ErrorContext{}, Phase: escrow.PhaseSetup},
				{Seq: 2, OffsetMS: -2.5e22, Context: &ErrorContext{Round: 2, Operation: odd, WalletID: odd, EscrowID: odd, Phase: escrow.Phase(odd), Role: odd},
					Snapshot: &Snapshot{}},
				{Seq: math.MaxInt64, OffsetMS: math.MaxFloat64, Snapshot: &Snapshot{
					WalletID: odd, IsMultisig: true, Ready: ptrTo(false), Threshold: ptrTo(0), Total: ptrTo(math.MinInt64),
					Balance: ptrTo(uint64(math.MaxUint64)), UnlockedBalance: ptrTo(uint64(0)), AddressHash: odd, WalletFileMode: odd,
					MultisigImportNeeded: ptrTo(false), Height: ptrTo(uint64(math.MaxUint64)), Error: odd}},
			},
			OTLP: json.RawMessage(" {\"a\": [1, {\"b\": \"<&>\"}, [], {}], \"c\": \"\u2028\"} "),
		}},
		{"otlp with spaces, no escaping needed", &File{
			OTLP: json.RawMessage("\n {\"a\" :\t[1 , {\"b\": \"x y\\u003c\"}, [ ], { }],\r\n \"c\": \"\u2027\u00e2\"}\n\t "),
		}},
		{"otlp with U+2029 only", &File{OTLP: json.RawMessage("[\"\u2029\"]")}},
		{"extra fields", &File{
			Schema: Schema, Extra: map[string]json.RawMessage{"zz": json.RawMessage(`{"k": [1, {"<": "&"}]}`), "events": json.RawMessage(`1`), "a<": json.RawMessage(` "x" `)},
			Events: []Event{{Type: "T", Extra: map[string]json.RawMessage{"x": json.RawMessage(`[1]`), "seq": json.RawMessage(`9`)}}},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			want, err := marshalIndentReference(tt.f)
			if err != nil {
				t.Fatal(err)
			}
			prefix := []byte("kept")
			got, err := AppendFile(slices.Clone(prefix), tt.f)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.HasPrefix(got, prefix) {
				t.Fatalf("AppendFile dropped what dst held: %.20q", got)
			}
			if got = got[len(prefix):]; !bytes.Equal(got, want) {
				t.Errorf("AppendFile differs from the reference at byte %d:\n got %s\nwant %s", diffAt(got, want), got, want)
			}
			// MarshalJSON is the same encoder without the indentation.
			var compact bytes.Buffer
			if err := json.Compact(&compact, want); err != nil {
				t.Fatal(err)
			}
			direct, err := tt.f.MarshalJSON()
			if err != nil || !bytes.Equal(direct, compact.Bytes()) {
				t.Errorf("File.MarshalJSON differs from the compact reference at byte %d (%v):\n got %s\nwant %s", diffAt(direct, compact.Bytes()), err, direct, compact.Bytes())
			}
			viaStd, err := json.MarshalIndent(tt.f, "", "  ")
			if err != nil || !bytes.Equal(viaStd, want) {
				t.Errorf("json.MarshalIndent(File) differs from AppendFile (%v)", err)
			}
		})
	}
}

func TestAppendFileErrors(t *testing.T) {
	tests := []struct {
		name string
		f    *File
		want string
	}{
		{"NaN offset", &File{Events: []Event{{OffsetMS: math.NaN()}}}, "unsupported value NaN"},
		{"infinite duration", &File{DurationMS: ptrTo(math.Inf(1))}, "unsupported value +Inf"},
		{"infinite phase duration", &File{Phases: []PhaseRecord{{DurationMS: ptrTo(math.Inf(-1))}}}, "unsupported value -Inf"},
		{"year 10000", &File{StartedAt: time.Date(10000, 1, 1, 0, 0, 0, 0, time.UTC)}, "year outside of range"},
		{"bad otlp", &File{OTLP: json.RawMessage(`{"a":`)}, "otlp section"},
		{"bad extra", &File{Extra: map[string]json.RawMessage{"x": json.RawMessage(`{`)}}, `extra field "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := AppendFile([]byte("kept"), tt.f)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one containing %q", err, tt.want)
			}
			if string(got) != "kept" {
				t.Errorf("on error dst = %q, want it unchanged", got)
			}
			if _, err := json.Marshal(tt.f); err == nil {
				t.Error("json.Marshal accepts it")
			}
		})
	}
}

// FuzzAppendFile holds AppendFile equal to the reference for any strings
// and numbers in the fields an exporter fills.
func FuzzAppendFile(f *testing.F) {
	f.Add("buyer", "open_wallet", 1.5, int64(0), uint64(0))
	f.Add("<&>\u2028\xff", "\x00\n", 1e-7, int64(-1), uint64(math.MaxUint64))
	f.Add("é😀", "", 1e21, int64(1)<<40, uint64(7))
	f.Fuzz(func(t *testing.T, s1, s2 string, x float64, n int64, u uint64) {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return
		}
		tm := time.Unix(0, n).UTC()
		fl := &File{
			Schema: s1, EscrowID: s2, TraceID: s1 + s2, Service: s2, StartedAt: tm, DurationMS: &x, Outcome: s1,
			Error:  &FileError{Message: s2, Role: s1, Round: int(n), Kind: escrow.Kind(s1)},
			Phases: []PhaseRecord{{Name: escrow.Phase(s1), Outcome: s2, StartedAt: tm, DurationMS: &x, Error: &FileError{Operation: s2}}},
			Events: []Event{
				{Seq: int(n), Type: s1, Time: tm, OffsetMS: x, Role: s2, Round: int(n), Method: s1, Endpoint: s2, SpanID: s1,
					DurationMS: &x, Error: &EventError{Code: ptrTo(int(n)), Message: s2, Kind: escrow.Kind(s1)},
					Context: &ErrorContext{Round: int(n), Operation: s1, WalletID: s2, EscrowID: s1, Phase: escrow.Phase(s2), Role: s1},
					Phase:   escrow.Phase(s2)},
				{Type: s2, Snapshot: &Snapshot{WalletID: s1, IsMultisig: n%2 == 0, Ready: ptrTo(n%3 == 0),
					Threshold: ptrTo(int(n)), Total: ptrTo(int(-n)), Balance: &u, UnlockedBalance: &u, AddressHash: s2, WalletFileMode: s1,
					MultisigImportNeeded: ptrTo(n%5 == 0), Height: &u, Error: s2}},
			},
		}
		want, err := marshalIndentReference(fl)
		if err != nil {
			t.Skip(err)
		}
		got, err := AppendFile(nil, fl)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, want) {
			t.Errorf("AppendFile differs from the reference at byte %d:\n got %s\nwant %s", diffAt(got, want), got, want)
		}
		var compact bytes.Buffer
		_ = json.Compact(&compact, want)
		if direct, err := fl.MarshalJSON(); err != nil || !bytes.Equal(direct, compact.Bytes()) {
			t.Errorf("MarshalJSON differs from the compact reference (%v)", err)
		}
	})
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

// BenchmarkEncode writes one built file (sampleSpans) with the one encoder
// and with encoding/json's reflection (the reference), in the same run: the
// hand-written encoder is kept because it pays (BENCHMARKS.md (3)).
func BenchmarkEncode(b *testing.B) {
	f := builtSample(b, BuildOptions{}, false)
	for _, bc := range []struct {
		name   string
		encode func() ([]byte, error)
	}{
		{"reference", func() ([]byte, error) { return marshalIndentReference(f) }},
		{"AppendFile", func() ([]byte, error) { return AppendFile(nil, f) }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := bc.encode(); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
