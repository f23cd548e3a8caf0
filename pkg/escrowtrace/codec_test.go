package escrowtrace

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// realFiles are files the exporter wrote: the demo's real escrows and the
// exporter's golden files.
func realFiles(t *testing.T) []string {
	t.Helper()
	var paths []string
	for _, pattern := range []string{"../../analysis/testdata/demo/*.json", "../exporters/jsonfile/testdata/*.json"} {
		m, err := filepath.Glob(pattern)
		if err != nil {
			t.Fatal(err)
		}
		paths = append(paths, m...)
	}
	if len(paths) < 5 {
		t.Fatalf("found %d real files, want the 3 demo files and 2 goldens", len(paths))
	}
	return paths
}

// roundTrip checks decode(encode(f)) == f.
func roundTrip(t *testing.T, f *File) []byte {
	t.Helper()
	data, err := AppendFile(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("decode of encoded file: %v", err)
	}
	if !reflect.DeepEqual(compactRaw(got), compactRaw(f)) {
		t.Errorf("decode(encode(f)) != f:\n got %+v\nwant %+v", got, f)
	}
	return data
}

// compactRaw is f with its raw JSON (otlp, unknown fields) compacted: the
// encoder indents it, which is the same value.
func compactRaw(f *File) *File {
	c := *f
	compact := func(raw json.RawMessage) json.RawMessage {
		var b bytes.Buffer
		if json.Compact(&b, raw) != nil {
			return raw
		}
		return b.Bytes()
	}
	if c.OTLP != nil {
		c.OTLP = compact(c.OTLP)
	}
	compactMap := func(m map[string]json.RawMessage) map[string]json.RawMessage {
		if m == nil {
			return nil
		}
		out := map[string]json.RawMessage{}
		for k, v := range m {
			out[k] = compact(v)
		}
		return out
	}
	c.Extra = compactMap(c.Extra)
	c.Events = append([]Event(nil), f.Events...)
	for i := range c.Events {
		c.Events[i].Extra = compactMap(c.Events[i].Extra)
	}
	return &c
}

// TestRoundTripRealFiles: a file the exporter wrote decodes and encodes back
// to the same bytes, and decodes again to the same File.
func TestRoundTripRealFiles(t *testing.T) {
	for _, p := range realFiles(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			f, err := Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			out := roundTrip(t, f)
			if out = append(out, '\n'); !bytes.Equal(out, data) {
				t.Errorf("encode(decode(file)) differs from the file at byte %d", diffAt(out, data))
			}
			var viaEncode bytes.Buffer
			if err := Encode(&viaEncode, f); err != nil || !bytes.Equal(viaEncode.Bytes(), data) {
				t.Errorf("Encode differs from the file (%v)", err)
			}
		})
	}
}

// TestDecodeDerivesRound: a contract-valid file without round on its
// snapshot events decodes to exactly the events of the same file with them.
func TestDecodeDerivesRound(t *testing.T) {
	for _, p := range realFiles(t) {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			stripped, n := stripSnapshotRounds(t, data)
			if n == 0 {
				t.Fatal("no snapshot event with a round: the test proves nothing")
			}
			if err := Validate(stripped); err != nil {
				t.Fatalf("the stripped file is not contract-valid: %v", err)
			}
			want, err := Decode(bytes.NewReader(data))
			if err != nil {
				t.Fatal(err)
			}
			got, err := Decode(bytes.NewReader(stripped))
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(compactRaw(got), compactRaw(want)) {
				t.Errorf("without rounds the file decodes differently")
			}
			var general File
			if err := decodeFileGeneral(stripped, &general); err != nil {
				t.Fatal(err)
			}
			if _, fast := decodeFast(stripped); !fast && want.OTLP == nil {
				t.Error("the stripped file no longer takes the fast path")
			}
		})
	}
}

// stripSnapshotRounds removes "round" from every snapshot event of an
// indented file, keeping the rest of its bytes (and so its fast-path form) as
// they are. It returns how many it removed.
func stripSnapshotRounds(t *testing.T, data []byte) ([]byte, int) {
	t.Helper()
	var out strings.Builder
	n, inSnapshot := 0, false
	for _, line := range strings.SplitAfter(string(data), "\n") {
		switch {
		case strings.HasPrefix(line, `      "type": "SNAPSHOT_`): // an event's member (depth 3)
			inSnapshot = true
		case strings.HasPrefix(line, "    }"): // the end of an event (depth 2)
			inSnapshot = false
		case inSnapshot && strings.HasPrefix(line, `      "round": `):
			n++
			continue
		}
		out.WriteString(line)
	}
	return []byte(out.String()), n
}

// fill sets every field of v, recursively, to a value that is not its zero
// value and that the contract accepts, so that a field the encoder does not
// write or the decoder does not read shows as a difference.
func fill(t *testing.T, v reflect.Value, name string) {
	switch v.Type() {
	case reflect.TypeFor[time.Time]():
		v.Set(reflect.ValueOf(time.Date(2025, 3, 1, 12, 0, 0, 5e8, time.UTC)))
		return
	case reflect.TypeFor[json.RawMessage]():
		v.Set(reflect.ValueOf(json.RawMessage(`{"resourceSpans":[]}`)))
		return
	case reflect.TypeFor[map[string]json.RawMessage]():
		v.Set(reflect.ValueOf(map[string]json.RawMessage{"zz_" + strings.ToLower(name): json.RawMessage(`{"a":[1]}`)}))
		return
	}
	switch v.Kind() {
	case reflect.Struct:
		for i := range v.NumField() {
			fill(t, v.Field(i), v.Type().Field(i).Name)
		}
	case reflect.Pointer:
		v.Set(reflect.New(v.Type().Elem()))
		fill(t, v.Elem(), name)
	case reflect.Slice:
		v.Set(reflect.MakeSlice(v.Type(), 1, 1))
		fill(t, v.Index(0), name)
	case reflect.String:
		values := map[string]string{
			"Schema": Schema, "EscrowID": "e-1", "TraceID": sampleTrace, "SpanID": "0000000000000001",
			"Role": "vendor", "Name": "release", "Phase": "release", "Outcome": OutcomeFailed,
			"AddressHash": "0123456789abcdef", "WalletFileMode": "0600", "Kind": "stale_data",
		}
		s, ok := values[name]
		if !ok {
			s = "v-" + name
		}
		v.SetString(s)
	case reflect.Int:
		v.SetInt(2)
	case reflect.Uint64:
		v.SetUint(7)
	case reflect.Float64:
		v.SetFloat(1.5)
	case reflect.Bool:
		v.SetBool(true)
	default:
		t.Fatalf("fill: field %s of kind %s: teach fill (and the codec) this kind", name, v.Kind())
	}
}

// TestEveryFieldIsWrittenAndRead fails when a field of the file's types is
// not written by the encoder or not read by the decoder, on either of its
// paths: a File with every field set must come back whole.
func TestEveryFieldIsWrittenAndRead(t *testing.T) {
	var full File
	fill(t, reflect.ValueOf(&full).Elem(), "File")
	full.Events[0].Type = escrow.PointPostSync.Name()

	t.Run("general path", func(t *testing.T) {
		data := roundTrip(t, &full)
		if err := Validate(data); err != nil {
			t.Errorf("a file with every field is not contract-valid: %v", err)
		}
		if err := checkV1Additions(data); err != nil {
			t.Error(err)
		}
	})
	t.Run("fast path", func(t *testing.T) {
		known := full
		known.OTLP, known.Extra = nil, nil
		known.Events = []Event{full.Events[0]}
		known.Events[0].Extra = nil
		data := roundTrip(t, &known)
		if _, ok := decodeFast(data); !ok {
			t.Fatal("a file of known fields only does not take the fast path")
		}
	})
	t.Run("one event", func(t *testing.T) {
		data, err := json.Marshal(full.Events[0])
		if err != nil {
			t.Fatal(err)
		}
		var got Event
		if err := json.Unmarshal(data, &got); err != nil {
			t.Fatal(err)
		}
		want := compactRaw(&File{Events: []Event{full.Events[0]}}).Events[0]
		got = compactRaw(&File{Events: []Event{got}}).Events[0]
		if !reflect.DeepEqual(got, want) {
			t.Errorf("event round trip:\n got %+v\nwant %+v", got, want)
		}
	})
}
