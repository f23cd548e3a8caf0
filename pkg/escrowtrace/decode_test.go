package escrowtrace

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
)

const minimalFile = `{"schema":"escrow-trace/v1","escrow_id":"e1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736",` +
	`"started_at":"2025-03-01T12:00:00Z","outcome":"success","error":null,"events":[%s]}`

const goodEvent = `{"seq":0,"type":"RPC_CALL_START","time":"2025-03-01T12:00:00.001Z","offset_ms":1}`

func withEvents(events string) string { return strings.Replace(minimalFile, "%s", events, 1) }

// editTop replaces one top-level field (or deletes it when value is "").
func editTop(key, value string) string {
	var m map[string]json.RawMessage
	if err := json.Unmarshal([]byte(withEvents(goodEvent)), &m); err != nil {
		panic(err)
	}
	if value == "" {
		delete(m, key)
	} else {
		m[key] = json.RawMessage(value)
	}
	b, _ := json.Marshal(m)
	return string(b)
}

func TestDecodeErrors(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"not json", `{`, "decode escrow trace: (root): unexpected end of JSON input"},
		{"not an object", `[1]`, "decode escrow trace: (root): want an object, got [1]"},
		{"empty", ``, "decode escrow trace: (root): want an object, got nothing"},
		{"missing schema", editTop("schema", ""), "decode escrow trace: schema: required field is missing"},
		{"wrong schema", editTop("schema", `"escrow-trace/v2"`), `decode escrow trace: schema: want "escrow-trace/v1", got "escrow-trace/v2"`},
		{"missing events", editTop("events", ""), "decode escrow trace: events: required field is missing"},
		{"null events", editTop("events", "null"), "decode escrow trace: events: want an array, got null"},
		{"unsafe escrow id", editTop("escrow_id", `"../x"`), `decode escrow trace: escrow_id: "../x" does not match ^[A-Za-z0-9_-]{1,64}$`},
		{"escrow id number", editTop("escrow_id", `7`), "decode escrow trace: escrow_id: want a string, got 7"},
		{"upper-case trace id", editTop("trace_id", `"4BF92F3577B34DA6A3CE929D0E0E4736"`), "decode escrow trace: trace_id: \"4BF92F3577B34DA6A3CE929D0E0E4736\" is not 32 lowercase hex characters"},
		{"bad started_at", editTop("started_at", `"yesterday"`), `decode escrow trace: started_at: want an RFC 3339 date-time, got "yesterday"`},
		{"negative duration", editTop("duration_ms", `-1`), "decode escrow trace: duration_ms: want a non-negative number, got -1"},
		{"string duration", editTop("duration_ms", `"5"`), `decode escrow trace: duration_ms: want a number, got "5"`},
		{"error without message", editTop("error", `{"role":"buyer"}`), "decode escrow trace: error.message: required field is missing"},
		{"error round string", editTop("error", `{"message":"x","round":"2"}`), `decode escrow trace: error.round: want an integer, got "2"`},
		{"otlp not object", editTop("otlp", `[]`), "decode escrow trace: otlp: want an object, got []"},
		{"event not object", withEvents(goodEvent + `,3`), "decode escrow trace: events[1]: want an object, got 3"},
		{"event missing time", withEvents(`{"seq":0,"type":"X","offset_ms":0}`), "decode escrow trace: events[0].time: required field is missing"},
		{"seq string", withEvents(goodEvent + `,{"seq":"x","type":"X","time":"2025-03-01T12:00:00Z","offset_ms":0}`), `decode escrow trace: events[1].seq: want an integer, got "x"`},
		{"seq fraction", withEvents(`{"seq":1.5,"type":"X","time":"2025-03-01T12:00:00Z","offset_ms":0}`), "decode escrow trace: events[0].seq: want an integer, got 1.5"},
		{"seq negative", withEvents(`{"seq":-1,"type":"X","time":"2025-03-01T12:00:00Z","offset_ms":0}`), "decode escrow trace: events[0].seq: want a non-negative integer, got -1"},
		{"type null", withEvents(`{"seq":0,"type":null,"time":"2025-03-01T12:00:00Z","offset_ms":0}`), "decode escrow trace: events[0].type: want a string, got null"},
		{"snapshot without is_multisig", withEvents(`{"seq":0,"type":"SNAPSHOT_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"snapshot":{}}`), "decode escrow trace: events[0].snapshot.is_multisig: required field is missing"},
		{"snapshot negative balance", withEvents(`{"seq":0,"type":"SNAPSHOT_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"snapshot":{"is_multisig":true,"balance":-3}}`), "decode escrow trace: events[0].snapshot.balance: want a non-negative integer, got -3"},
		{"snapshot ready string", withEvents(`{"seq":0,"type":"SNAPSHOT_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"snapshot":{"is_multisig":true,"ready":"yes"}}`), `decode escrow trace: events[0].snapshot.ready: want a boolean, got "yes"`},
		{"event error code fraction", withEvents(`{"seq":0,"type":"RPC_CALL_ERROR","time":"2025-03-01T12:00:00Z","offset_ms":0,"error":{"message":"m","code":-1.5}}`), "decode escrow trace: events[0].error.code: want an integer, got -1.5"},
		{"phases not array", editTop("phases", `{}`), "decode escrow trace: phases: want an array, got {}"},
		{"phase without name", editTop("phases", `[{"outcome":"success","started_at":"2025-03-01T12:00:00Z"}]`), "decode escrow trace: phases[0].name: required field is missing"},
		{"phase bad end", editTop("phases", `[{"name":"fund","outcome":"success","started_at":"2025-03-01T12:00:00Z","ended_at":1}]`), "decode escrow trace: phases[0].ended_at: want a string, got 1"},
		{"phase error not object", editTop("phases", `[{"name":"fund","outcome":"failed","started_at":"2025-03-01T12:00:00Z","error":"x"}]`), `decode escrow trace: phases[0].error: want an object, got "x"`},
		{"file error kind number", editTop("error", `{"message":"x","kind":1}`), "decode escrow trace: error.kind: want a string, got 1"},
		{"event phase number", withEvents(`{"seq":0,"type":"X","time":"2025-03-01T12:00:00Z","offset_ms":0,"phase":2}`), "decode escrow trace: events[0].phase: want a string, got 2"},
		{"event error kind null", withEvents(`{"seq":0,"type":"RPC_CALL_ERROR","time":"2025-03-01T12:00:00Z","offset_ms":0,"error":{"message":"m","kind":null}}`), "decode escrow trace: events[0].error.kind: want a string, got null"},
		{"context role number", withEvents(`{"seq":0,"type":"ERROR_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"context":{"role":3}}`), "decode escrow trace: events[0].context.role: want a string, got 3"},
		{"snapshot height fraction", withEvents(`{"seq":0,"type":"SNAPSHOT_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"snapshot":{"is_multisig":true,"height":1.5}}`), "decode escrow trace: events[0].snapshot.height: want a non-negative integer, got 1.5"},
		{"snapshot import needed string", withEvents(`{"seq":0,"type":"SNAPSHOT_PRE_SYNC","time":"2025-03-01T12:00:00Z","offset_ms":0,"snapshot":{"is_multisig":true,"multisig_import_needed":"no"}}`), `decode escrow trace: events[0].snapshot.multisig_import_needed: want a boolean, got "no"`},
		{"context not object", withEvents(`{"seq":0,"type":"ERROR_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"context":"x"}`), `decode escrow trace: events[0].context: want an object, got "x"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := Decode(strings.NewReader(tt.in))
			if err == nil {
				t.Fatalf("Decode = %+v, want error %q", f, tt.want)
			}
			if err.Error() != tt.want {
				t.Errorf("error:\n got %s\nwant %s", err, tt.want)
			}
		})
	}
}

// Unknown fields and event types survive a decode/encode round trip.
func TestDecodeKeepsUnknown(t *testing.T) {
	in := withEvents(`{"seq":0,"type":"RPC_CALL_START","time":"2025-03-01T12:00:00.001Z","offset_ms":1,"x_new":{"a":[1,2]}},` +
		`{"seq":1,"type":"FUTURE_EVENT","time":"2025-03-01T12:00:00.002Z","offset_ms":2,"detail":"kept"}`)
	in = strings.Replace(in, `"outcome"`, `"z_extra":true,"a_extra":"first","outcome"`, 1)
	f, err := Decode(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if f.Events[1].Type != "FUTURE_EVENT" || string(f.Events[1].Extra["detail"]) != `"kept"` || string(f.Extra["z_extra"]) != "true" {
		t.Fatalf("unknowns lost: %+v", f)
	}
	out, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"x_new":{"a":[1,2]}`, `"detail":"kept"`, `"a_extra":"first","z_extra":true}`} {
		if !bytes.Contains(out, []byte(want)) {
			t.Errorf("re-encoded file lacks %s:\n%s", want, out)
		}
	}
	again, err := Decode(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	out2, _ := json.Marshal(again)
	if !bytes.Equal(out, out2) {
		t.Errorf("second round trip differs:\n%s\n%s", out, out2)
	}
	// Through encoding/json too, both pointer and value.
	var viaStd File
	if err := json.Unmarshal(out, &viaStd); err != nil {
		t.Fatal(err)
	}
	out3, _ := json.Marshal(viaStd)
	if !bytes.Equal(out, out3) {
		t.Errorf("json.Marshal(File) differs from json.Marshal(*File)")
	}
}

// A built file decodes back to itself.
func TestDecodeBuiltFile(t *testing.T) {
	f, err := Build(sampleSpans(), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	got, err := Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	again, _ := json.Marshal(got)
	if !bytes.Equal(data, again) {
		t.Errorf("decode/encode changed the file:\n%s\n%s", data, again)
	}
}

func TestEventUnmarshalJSON(t *testing.T) {
	var e Event
	err := json.Unmarshal([]byte(`{"seq":0,"type":"X","time":"bad","offset_ms":0}`), &e)
	if err == nil || err.Error() != `time: want an RFC 3339 date-time, got "bad"` {
		t.Errorf("err = %v", err)
	}
}
