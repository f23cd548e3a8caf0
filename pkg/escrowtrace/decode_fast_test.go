package escrowtrace

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// builtFileJSON is a file as the exporter writes it (indented), from sampleSpans.
func builtFileJSON(t testing.TB) string {
	t.Helper()
	f, err := Build(sampleSpans(), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.MarshalIndent(f, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return string(data) + "\n"
}

// checkFast: when decodeFast reads data, the general path reads it to the
// same File; it reads it at all exactly when want says so.
func checkFast(t *testing.T, data []byte, want bool) {
	t.Helper()
	fast, ok := decodeFast(data)
	if ok != want {
		t.Errorf("decodeFast ok = %v, want %v", ok, want)
	}
	if !ok {
		return
	}
	var general File
	if err := decodeFileGeneral(data, &general); err != nil {
		t.Fatalf("decodeFast read a file the general path refuses: %v", err)
	}
	if !reflect.DeepEqual(fast, general) {
		t.Errorf("decodeFast differs from the general path:\n got %+v\nwant %+v", fast, general)
	}
}

func TestDecodeFast(t *testing.T) {
	built := builtFileJSON(t)
	full := `{"schema":"escrow-trace/v1","escrow_id":"e1","trace_id":"4bf92f3577b34da6a3ce929d0e0e4736","service":"s",` +
		`"started_at":"2025-03-01T12:00:00+01:00","ended_at":"2025-03-01T12:00:01.5Z","duration_ms":1500.25,"outcome":"failed",` +
		`"error":{"message":"m","role":"arbiter","round":3,"operation":"op","kind":"stale_data"},` +
		`"phases":[{"name":"setup","outcome":"success","started_at":"2025-03-01T12:00:00Z","ended_at":"2025-03-01T12:00:00.5Z","duration_ms":500,"error":null},` +
		`{"name":"release","outcome":"failed","started_at":"2025-03-01T12:00:01Z","error":{"kind":"stale_data"}}],"events":[` +
		`{"seq":0,"type":"RPC_CALL_ERROR","time":"2025-03-01T12:00:00.001Z","offset_ms":1e0,"role":"buyer","round":1,"method":"open_wallet",` +
		`"endpoint":"127.0.0.1:1","span_id":"0000000000000001","duration_ms":0,"error":{"code":-1,"message":"Failed","kind":"open_failed"},"phase":"fund"},` +
		`{"seq":1,"type":"ERROR_FINAL","time":"2025-03-01T12:00:00.002Z","offset_ms":2,"context":{"round":3,"operation":"op","wallet_id":"w","escrow_id":"e1","phase":"release","role":"vendor"}},` +
		`{"seq":2,"type":"SNAPSHOT_FINAL","time":"2025-03-01T12:00:00.003Z","offset_ms":3.5,"snapshot":{"wallet_id":"w","is_multisig":true,"ready":false,` +
		`"threshold":2,"total":3,"balance":18446744073709551615,"unlocked_balance":0,"address_hash":"0123456789abcdef","wallet_file_mode":"0600",` +
		`"multisig_import_needed":false,"height":18446744073709551615,"error":"é"}},` +
		`{"seq":3,"type":"X","time":"2025-03-01T12:00:00.004Z","offset_ms":-0,"context":{}}]}`
	tests := []struct {
		name string
		in   string
		fast bool
	}{
		{"built, indented", built, true},
		{"minimal", withEvents(goodEvent), true},
		{"no events", withEvents(""), true},
		{"every field", full, true},
		{"white space everywhere", " \n\t{ \"schema\" : \"escrow-trace/v1\" ,\r\n" + strings.TrimPrefix(withEvents(" "+goodEvent+" "), `{"schema":"escrow-trace/v1",`) + " \n", true},

		{"unknown field", strings.Replace(full, `"service":"s",`, `"service":"s","x":1,`, 1), false},
		{"unknown event field", strings.Replace(full, `"seq":0,`, `"seq":0,"x":1,`, 1), false},
		{"unknown snapshot field", strings.Replace(full, `"total":3,`, `"total":3,"x":1,`, 1), false},
		{"otlp section", strings.Replace(full, `"service":"s",`, `"otlp":{"resourceSpans":[]},`, 1), false},
		{"escaped string", strings.Replace(full, `"service":"s"`, `"service":"\u0073"`, 1), false},
		{"escaped key", strings.Replace(full, `"service":"s"`, `"servic\u0065":"s"`, 1), false},
		{"repeated key", strings.Replace(full, `"service":"s",`, `"service":"s","service":"t",`, 1), false},
		{"integer written as float", strings.Replace(full, `"seq":0,`, `"seq":0.0,`, 1), false},
		{"negative seq", strings.Replace(full, `"seq":0,`, `"seq":-1,`, 1), false},
		{"round over int32", strings.Replace(full, `"round":1,`, `"round":2147483648,`, 1), false},
		{"negative balance", strings.Replace(full, `"unlocked_balance":0`, `"unlocked_balance":-0`, 1), false},
		{"huge number", strings.Replace(full, `"offset_ms":3.5`, `"offset_ms":1e999`, 1), false},
		{"bad number", strings.Replace(full, `"offset_ms":3.5`, `"offset_ms":01`, 1), false},
		{"bad time", strings.Replace(full, `12:00:00.003Z`, `12:00:00.003`, 1), false},
		{"null service", strings.Replace(full, `"service":"s"`, `"service":null`, 1), false},
		{"invalid UTF-8", strings.Replace(full, `"service":"s"`, "\"service\":\"\xff\"", 1), false},
		{"control character", strings.Replace(full, `"service":"s"`, "\"service\":\"\t\"", 1), false},
		{"missing outcome", strings.Replace(full, `"outcome":"failed",`, ``, 1), false},
		{"missing snapshot.is_multisig", strings.Replace(full, `"is_multisig":true,`, ``, 1), false},
		{"phase without started_at", strings.Replace(full, `"started_at":"2025-03-01T12:00:01Z",`, ``, 1), false},
		{"negative height", strings.Replace(full, `"height":18446744073709551615`, `"height":-1`, 1), false},
		{"kind not a string", strings.Replace(full, `"kind":"open_failed"`, `"kind":7`, 1), false},
		{"phases not an array", strings.Replace(full, `"phases":[`, `"phases":[[`, 1), false},
		{"trailing data", full + "x", false},
		{"truncated", full[:len(full)-1], false},
		{"leading non-JSON space", "\u00a0" + full, false},
		{"bad escrow id", strings.Replace(full, `"escrow_id":"e1"`, `"escrow_id":"../e1"`, 1), false},
		{"events null", withEvents("") + "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkFast(t, []byte(tt.in), tt.fast) })
	}
}

// TestDecodeFastFixtures: the analyzer's fixtures and the exporter's golden
// files read the same either way.
func TestDecodeFastFixtures(t *testing.T) {
	var paths []string
	for _, pattern := range []string{"../../analysis/testdata/fixtures/*.json", "../../analysis/testdata/exporter/*.json", "../exporters/jsonfile/testdata/*.json"} {
		m, _ := filepath.Glob(pattern)
		paths = append(paths, m...)
	}
	if len(paths) == 0 {
		t.Skip("no fixture files found")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			data, err := os.ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			_, ok := decodeFast(data)
			checkFast(t, data, ok) // ok or not, never a different File
		})
	}
}

func FuzzDecodeFast(f *testing.F) {
	f.Add([]byte(withEvents(goodEvent)))
	f.Add([]byte(builtFileJSON(f)))
	f.Fuzz(func(t *testing.T, data []byte) {
		if _, ok := decodeFast(data); ok {
			checkFast(t, data, true)
		}
	})
}

// BenchmarkDecode reads one file as the exporter writes it (sampleSpans),
// through Decode (which takes the fast path for it) and through the general
// path alone, in the same run.
func BenchmarkDecode(b *testing.B) {
	data := []byte(builtFileJSON(b))
	if _, ok := decodeFast(data); !ok {
		b.Fatal("the built file does not take the fast path")
	}
	for _, bc := range []struct {
		name   string
		decode func([]byte) error
	}{
		{"general", func(data []byte) error { var f File; return decodeFileGeneral(data, &f) }},
		{"Decode", func(data []byte) error { _, err := Decode(bytes.NewReader(data)); return err }},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			b.SetBytes(int64(len(data)))
			for b.Loop() {
				if err := bc.decode(data); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
