package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// TestReadErrors: a broken file gets an error naming the file and what is wrong.
func TestReadErrors(t *testing.T) {
	tests := []struct {
		file string
		want string
	}{
		{"empty.json", "testdata/broken/empty.json: empty input"},
		{"array.json", `testdata/broken/array.json: not a JSON object: starts with "["`},
		{"truncated.json", "testdata/broken/truncated.json: invalid JSON: unexpected EOF"},
		{"wrong_schema.json", `testdata/broken/wrong_schema.json: schema: got "escrow-trace/v2", want "escrow-trace/v1"`},
		{"not_trace.json", `testdata/broken/not_trace.json: not an escrow trace: no "schema", "resourceSpans" or "result" field`},
		{"bad_seq.json", `testdata/broken/bad_seq.json: decode escrow trace: events[0].seq: want an integer, got "one"`},
		{"jaeger_v1.json", "testdata/broken/jaeger_v1.json: a Jaeger /api/traces (v1) answer: not supported"},
		{"missing.json", "testdata/broken/missing.json: no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			_, err := ReadFile(filepath.Join("testdata", "broken", tt.file))
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("error %q, want it to start with %q", err, tt.want)
			}
		})
	}
}

// TestUnknownKept: unknown fields and event types are kept and shown, not fatal.
func TestUnknownKept(t *testing.T) {
	f, err := ReadFile(filepath.Join("testdata", "fixtures", "unknown_fields.json"))
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := f.Extra["x_coordinator"]; !ok {
		t.Errorf("top-level unknown field lost: %v", f.Extra)
	}
	tl := NewTimeline(f)
	if len(tl.UnknownTypes) != 1 || tl.UnknownTypes[0] != "WALLET_PING" {
		t.Errorf("UnknownTypes = %v", tl.UnknownTypes)
	}
	var buf bytes.Buffer
	if err := WriteTimelineText(&buf, tl, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{"? WALLET_PING", "latency_ms=3.5", `x_note="added by a newer writer"`} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("timeline lacks %q", want)
		}
	}
}

// sameTraceInputs returns one trace as every reader input: the v1 file, a
// v1 file with only its otlp section, bare OTLP, OTLP split over two lines of
// a collector file, and Jaeger's v3 answer.
func sameTraceInputs(t *testing.T, f *escrowtrace.File) map[string][]byte {
	t.Helper()
	spans := spansOf(f)
	otlp, err := escrowtrace.EncodeOTLP(spans)
	if err != nil {
		t.Fatal(err)
	}
	file, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	sectionOnly := *f
	sectionOnly.Events = nil
	sectionOnly.OTLP = otlp
	section, err := json.Marshal(&sectionOnly)
	if err != nil {
		t.Fatal(err)
	}
	half := len(spans) / 2
	l1, err := escrowtrace.EncodeOTLP(spans[:half])
	if err != nil {
		t.Fatal(err)
	}
	l2, err := escrowtrace.EncodeOTLP(spans[half:])
	if err != nil {
		t.Fatal(err)
	}
	return map[string][]byte{
		"file":         file,
		"otlp section": section,
		"otlp":         otlp,
		"otlp lines":   append(append(append(l1, '\n'), l2...), '\n'),
		"jaeger v3":    append(append([]byte(`{"result":`), otlp...), '}'),
	}
}

func eventsJSON(t *testing.T, f *escrowtrace.File) string {
	t.Helper()
	b, err := json.MarshalIndent(f.Events, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestSameTimelineEveryReader: the same trace read from its file, from its
// otlp section, from OTLP and from Jaeger's v3 answer gives the same timeline.
func TestSameTimelineEveryReader(t *testing.T) {
	for _, name := range []string{"success.json", "already_multisig_before_round1.json", "rpc_error.json", "wrong_wallet_open.json"} {
		t.Run(name, func(t *testing.T) {
			want, err := ReadFile(filepath.Join("testdata", "fixtures", name))
			if err != nil {
				t.Fatal(err)
			}
			for input, data := range sameTraceInputs(t, want) {
				got, _, err := Parse(data)
				if err != nil {
					t.Fatalf("%s: %v", input, err)
				}
				if got.EscrowID != want.EscrowID || got.TraceID != want.TraceID || got.Outcome != want.Outcome {
					t.Errorf("%s: escrow %s trace %s outcome %s, want %s %s %s", input,
						got.EscrowID, got.TraceID, got.Outcome, want.EscrowID, want.TraceID, want.Outcome)
				}
				if g, w := eventsJSON(t, got), eventsJSON(t, want); g != w {
					t.Errorf("%s: events differ from the file's\n--- got\n%s\n--- want\n%s", input, g, w)
				}
			}
		})
	}
}

// TestExporterFiles reads the files of the real JSON-file exporter kept in
// testdata/exporter: each must read, its otlp section (when written) must
// rebuild its own events, and its timeline and analysis are golden.
func TestExporterFiles(t *testing.T) {
	paths, err := filepath.Glob(filepath.Join("testdata", "exporter", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(paths) == 0 {
		t.Skip("no exporter files in testdata/exporter yet (see its README)")
	}
	for _, p := range paths {
		t.Run(filepath.Base(p), func(t *testing.T) {
			f, err := ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.OTLP) > 0 {
				rebuilt, err := ParseOTLPSection(f)
				if err != nil {
					t.Fatal(err)
				}
				if g, w := eventsJSON(t, rebuilt), eventsJSON(t, f); g != w {
					t.Errorf("otlp section rebuilds other events\n--- got\n%s\n--- want\n%s", g, w)
				}
			}
			a := Analyze(f, Options{})
			var buf bytes.Buffer
			if err := WriteTimelineText(&buf, a.Timeline, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := WriteAnalysisText(&buf, a, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, filepath.Join("exporter", strings.TrimSuffix(filepath.Base(p), ".json")+".txt"), buf.Bytes())
		})
	}
}

func TestJaegerFetch(t *testing.T) {
	f, err := ReadFile(filepath.Join("testdata", "fixtures", "success.json"))
	if err != nil {
		t.Fatal(err)
	}
	answer := sameTraceInputs(t, f)["jaeger v3"]
	var asked []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		asked = append(asked, r.URL.Path)
		if r.URL.Path == "/api/v3/traces/"+f.TraceID {
			w.Write(answer)
			return
		}
		if r.URL.Path == "/api/v3/traces/"+strings.Repeat("e", 32) {
			w.Write([]byte(`{"result":{"resourceSpans":[]}}`))
			return
		}
		http.Error(w, `{"error":{"httpCode":404,"message":"trace not found"}}`, http.StatusNotFound)
	}))
	defer srv.Close()
	j, err := NewJaeger(srv.URL+"/", 0)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()

	got, err := j.Fetch(ctx, strings.ToUpper(f.TraceID))
	if err != nil {
		t.Fatal(err)
	}
	if eventsJSON(t, got) != eventsJSON(t, f) {
		t.Error("events fetched from Jaeger differ from the file's")
	}

	// An escrow ID is mapped to its trace ID with escrow.TraceIDFor.
	escrowID := "0b7e4f3c-2a1d-4c5e-9f80-1234567890ab"
	wantTID, err := escrow.TraceIDFor(escrowID)
	if err != nil {
		t.Fatal(err)
	}
	_, err = j.Fetch(ctx, escrowID)
	if !errors.Is(err, ErrTraceNotFound) {
		t.Fatalf("unknown escrow: err %v, want ErrTraceNotFound", err)
	}
	wantMsg := "no trace " + wantTID + " (escrow " + escrowID + ") in Jaeger at " + srv.URL
	if !strings.Contains(err.Error(), wantMsg) {
		t.Errorf("error %q, want it to say %q", err, wantMsg)
	}
	if last := asked[len(asked)-1]; last != "/api/v3/traces/"+wantTID {
		t.Errorf("asked %s, want /api/v3/traces/%s", last, wantTID)
	}
	// Jaeger may also answer 200 with no spans.
	if _, err := j.Fetch(ctx, strings.Repeat("e", 32)); !errors.Is(err, ErrTraceNotFound) {
		t.Errorf("empty answer: err %v, want ErrTraceNotFound", err)
	}
	if _, err := j.Fetch(ctx, "../etc"); err == nil {
		t.Error("an ID that is neither a trace nor an escrow ID was accepted")
	}
}

func TestJaegerUnreachableAndBadURL(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "localhost:16686", "http://"} {
		if _, err := NewJaeger(u, 0); err == nil {
			t.Errorf("NewJaeger(%q) accepted", u)
		}
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer srv.Close()
	j, err := NewJaeger(srv.URL, 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = j.Fetch(context.Background(), strings.Repeat("a", 32))
	if err == nil || !strings.Contains(err.Error(), "HTTP 500") {
		t.Errorf("err %v, want it to name HTTP 500", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := j.Fetch(ctx, strings.Repeat("a", 32)); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled ctx: err %v", err)
	}
}

// FuzzReadFile: no input makes a reader or the analysis panic.
func FuzzReadFile(f *testing.F) {
	// Seeds stay small: the coverage-guided engine stalls on the 20 KB
	// fixtures (measured: no progress in 30 s), while short traces
	// reach the same code.
	paths, _ := filepath.Glob(filepath.Join("testdata", "broken", "*.json"))
	for _, p := range paths {
		if b, err := os.ReadFile(p); err == nil {
			f.Add(b)
		}
	}
	for _, name := range []string{"already_multisig_before_round1.json", "unknown_fields.json"} {
		file := fixtures()[name]
		file.Events = file.Events[:min(len(file.Events), 12)]
		if b, err := json.Marshal(file); err == nil {
			f.Add(b)
		}
		if len(file.Events) > 0 {
			if b, err := escrowtrace.EncodeOTLP(spansOf(fixtures()[name])[:4]); err == nil {
				f.Add(b)
			}
		}
	}
	// A lifecycle: the phases list and the failed payout's last events.
	lc := lifecycleFixtures()["import_before_refresh.json"]
	lc.Events = lc.Events[len(lc.Events)-12:]
	if b, err := json.Marshal(lc); err == nil {
		f.Add(b)
	}
	f.Add([]byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0123456789abcdef0123456789abcdef","spanId":"0123456789abcdef","name":"x"}]}]}]}`))
	f.Add([]byte(`{"result":{"resourceSpans":[]}}`))
	f.Add([]byte("{\"resourceSpans\":[]}\n{\"resourceSpans\":[]}\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		files, _, err := ParseAll(data)
		if err != nil {
			return
		}
		for _, file := range files {
			a := Analyze(file, Options{})
			_ = WriteAnalysisText(&bytes.Buffer{}, a, TextOptions{Color: true})
			_ = WriteAnalysisJSON(&bytes.Buffer{}, a)
			_ = WriteTimelineText(&bytes.Buffer{}, a.Timeline, TextOptions{})
			_ = WriteDiffText(&bytes.Buffer{}, Compare(file, file), TextOptions{})
			_ = WriteEscrowHTML(&bytes.Buffer{}, a, HTMLOptions{})
		}
	})
}
