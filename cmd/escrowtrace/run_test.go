package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/analysis"
)

const (
	fixtures  = "../../analysis/testdata/fixtures/"
	lifecycle = "../../analysis/testdata/lifecycle/"
)

func TestRunExitCodes(t *testing.T) {
	tests := []struct {
		name       string
		args       []string
		want       int
		wantStdout string // substring
		wantStderr string // substring
	}{
		{"no args", nil, exitUsage, "", "Usage:\n  escrowtrace [flags]"},
		{"help", []string{"-h"}, exitClean, "Available Commands:", ""},
		{"sub help", []string{"diff", "-h"}, exitClean, "Examples:", ""},
		{"unknown command", []string{"frobnicate"}, exitUsage, "", `unknown command "frobnicate"`},
		{"unknown flag", []string{"analyze", "--bogus", fixtures + "success.json"}, exitUsage, "", "unknown flag: --bogus"},
		{"missing arg", []string{"analyze"}, exitUsage, "", "want FILE|ID, got 0 argument(s)"},
		{"too many args", []string{"timeline", "a", "b"}, exitUsage, "", "got 2 argument(s)"},
		{"bad slow", []string{"analyze", "--slow", "soon", fixtures + "success.json"}, exitUsage, "", `--slow "soon"`},
		{"bad jaeger url", []string{"analyze", "--jaeger", "nope", "x"}, exitUsage, "", "jaeger URL"},
		{"missing file", []string{"analyze", "nope.json"}, exitUsage, "", "nope.json: no such file or directory"},
		{"broken file", []string{"timeline", "../../analysis/testdata/broken/wrong_schema.json"}, exitUsage, "",
			`wrong_schema.json: schema: got "escrow-trace/v2"`},
		{"clean timeline", []string{"timeline", fixtures + "success.json"}, exitClean, "✓ success", ""},
		{"clean analyze", []string{"analyze", fixtures + "success.json"}, exitClean, "Anomalies (0)", ""},
		{"flags after args", []string{"analyze", fixtures + "success.json", "--json"}, exitClean, `"clean": true`, ""},
		{"anomalies", []string{"analyze", fixtures + "insecure_wallet_file.json"}, exitFindings, "insecure_wallet_file", ""},
		{"slow absolute", []string{"analyze", "--slow", "3s", fixtures + "success.json"}, exitFindings, "slow_rpc", ""},
		{"incomplete in words", []string{"timeline", fixtures + "incomplete_trace.json"}, exitFindings, "incomplete: the escrow never finished", ""},
		{"diff identical", []string{"diff", fixtures + "success.json", fixtures + "success_b.json"}, exitClean, "No divergence", ""},
		{"diff divergent", []string{"diff", fixtures + "success.json", fixtures + "wrong_wallet_open.json"}, exitFindings,
			"Divergence at event #29: A: RPC_CALL_END role=vendor round=2 method=exchange_multisig_keys, B: RPC_CALL_ERROR", ""},
		{"stats", []string{"stats", fixtures}, exitFindings, "files 13", ""},
		{"stats unreadable", []string{"stats", "../../analysis/testdata/broken"}, exitUsage, "unreadable 7", "empty.json: empty input"},
		{"stats missing dir", []string{"stats", "nowhere"}, exitUsage, "", "nowhere: no such file or directory"},
		{"validate ok", []string{"validate", fixtures + "success.json", fixtures + "rpc_error.json"}, exitClean, "rpc_error.json: ok", ""},
		{"validate invalid", []string{"validate", "../../analysis/testdata/broken/bad_seq.json"}, exitFindings, "bad_seq.json: invalid", ""},
		{"validate missing", []string{"validate", "nope.json"}, exitUsage, "", "nope.json: no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(context.Background(), tt.args, &stdout, &stderr, env{})
			if got != tt.want {
				t.Errorf("exit %d, want %d\nstdout:\n%s\nstderr:\n%s", got, tt.want, stdout.String(), stderr.String())
			}
			if !strings.Contains(stdout.String(), tt.wantStdout) {
				t.Errorf("stdout lacks %q:\n%s", tt.wantStdout, stdout.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr lacks %q:\n%s", tt.wantStderr, stderr.String())
			}
		})
	}
}

// TestRunJSONContract: every command's --json carries the contract's fields.
func TestRunJSONContract(t *testing.T) {
	tests := []struct {
		args []string
		keys []string
	}{
		{[]string{"analyze", "--json", fixtures + "already_multisig_before_round1.json"},
			[]string{"escrow_id", "trace_id", "outcome", "events", "rpc", "anomalies"}},
		{[]string{"diff", "--json", fixtures + "success.json", fixtures + "already_multisig_before_round1.json"},
			[]string{"a", "b", "identical", "first_divergence"}},
		{[]string{"timeline", "--json", fixtures + "success.json"}, []string{"escrow_id", "trace_id", "outcome", "events"}},
		{[]string{"stats", "--json", fixtures}, []string{"files", "success", "failed", "failures_by_round", "anomalies", "rpc"}},
	}
	for _, tt := range tests {
		t.Run(tt.args[0], func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			run(context.Background(), tt.args, &stdout, &stderr, env{terminal: true})
			var got map[string]json.RawMessage
			if err := json.Unmarshal(stdout.Bytes(), &got); err != nil {
				t.Fatalf("not JSON (%v):\n%s", err, stdout.String())
			}
			for _, k := range tt.keys {
				if _, ok := got[k]; !ok {
					t.Errorf("no %q in %s output", k, tt.args[0])
				}
			}
			if bytes.Contains(stdout.Bytes(), []byte("\x1b[")) {
				t.Error("colour codes in JSON output")
			}
		})
	}
	var stdout bytes.Buffer
	run(context.Background(), []string{"analyze", "--json", fixtures + "already_multisig_before_round1.json"}, &stdout, &bytes.Buffer{}, env{})
	var a struct {
		Anomalies []struct{ Kind, Role, Message string } `json:"anomalies"`
		RPC       []struct {
			Method string  `json:"method"`
			Calls  int     `json:"calls"`
			P95    float64 `json:"p95_ms"`
		} `json:"rpc"`
	}
	if err := json.Unmarshal(stdout.Bytes(), &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Anomalies) == 0 || a.Anomalies[0].Kind != "already_multisig_before_round1" || a.Anomalies[0].Role != "buyer" {
		t.Errorf("anomalies: %+v", a.Anomalies)
	}
}

// TestRunColor: colour only on a terminal, never with NO_COLOR or --no-color.
func TestRunColor(t *testing.T) {
	tests := []struct {
		name  string
		e     env
		flags []string
		want  bool
	}{
		{"pipe", env{}, nil, false},
		{"terminal", env{terminal: true}, nil, true},
		{"NO_COLOR", env{terminal: true, noColor: true}, nil, false},
		{"--no-color", env{terminal: true}, []string{"--no-color"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout bytes.Buffer
			args := append([]string{"timeline"}, tt.flags...)
			args = append(args, fixtures+"already_multisig_before_round1.json")
			run(context.Background(), args, &stdout, &bytes.Buffer{}, tt.e)
			if got := bytes.Contains(stdout.Bytes(), []byte("\x1b[")); got != tt.want {
				t.Errorf("colour %v, want %v", got, tt.want)
			}
		})
	}
}

// TestRunJaeger: with --jaeger an argument that is no file is fetched by ID.
func TestRunJaeger(t *testing.T) {
	raw, err := os.ReadFile(filepath.Join(fixtures, "success.json"))
	if err != nil {
		t.Fatal(err)
	}
	var f struct {
		TraceID string `json:"trace_id"`
	}
	if err := json.Unmarshal(raw, &f); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.NotFound(w, r)
	}))
	defer srv.Close()
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"analyze", "--jaeger", srv.URL, f.TraceID}, &stdout, &stderr, env{})
	if code != exitUsage || !strings.Contains(stderr.String(), "no trace "+f.TraceID+" in Jaeger at "+srv.URL) {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
	// A file that exists is still read as a file.
	stderr.Reset()
	code = run(context.Background(), []string{"analyze", "--jaeger", srv.URL, fixtures + "success.json"}, &stdout, &stderr, env{})
	if code != exitClean {
		t.Errorf("file with --jaeger: exit %d, stderr %q", code, stderr.String())
	}
}

// Every reader refuses a file above the size limit, naming the file, before
// reading it; a name or answer with escape sequences reaches the terminal
// escaped.
func TestRunLimitsAndEscapes(t *testing.T) {
	dir := t.TempDir()
	big := filepath.Join(dir, "big.json")
	fh, err := os.Create(big)
	if err != nil {
		t.Fatal(err)
	}
	if err := fh.Truncate(analysis.MaxInputBytes + 1); err != nil { // sparse: no disk used
		t.Fatal(err)
	}
	fh.Close()
	for _, cmd := range []string{"validate", "analyze", "timeline"} {
		var stdout, stderr bytes.Buffer
		code := run(context.Background(), []string{cmd, big}, &stdout, &stderr, env{})
		if code != exitUsage || !strings.Contains(stderr.String(), big+": larger than 256 MiB") {
			t.Errorf("%s of a too large file: exit %d, stderr %q", cmd, code, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"analyze", filepath.Join(dir, "nope\x1b]0;pwned\x07.json")}, &stdout, &stderr, env{})
	if code != exitUsage || strings.ContainsAny(stderr.String(), "\x1b\x07") || !strings.Contains(stderr.String(), `nope\x1b]0;pwned\x07.json`) {
		t.Errorf("exit %d, stderr %q: want the name escaped", code, stderr.String())
	}
}
