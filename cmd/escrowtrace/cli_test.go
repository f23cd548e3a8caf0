package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/cli")

// TestCLIGolden runs the command line as a user would and compares stdout and
// stderr with testdata/cli/<name>.stdout|.stderr (go test -update rewrites them).
func TestCLIGolden(t *testing.T) {
	tests := []struct {
		name      string
		args      []string
		stdin     string // a file fed to stdin
		want      int
		firstLine bool // compare only the first line of stdout
	}{
		{"help", []string{"help"}, "", exitClean, false},
		{"help_timeline", []string{"help", "timeline"}, "", exitClean, false},
		{"timeline_help", []string{"timeline", "--help"}, "", exitClean, false},
		{"validate_json_valid", []string{"validate", "--json", fixtures + "success.json"}, "", exitClean, false},
		{"validate_json_invalid", []string{"validate", "--json", "../../analysis/testdata/broken/bad_seq.json"}, "", exitFindings, false},
		{"validate_json_stdin", []string{"validate", "--json", "-"}, fixtures + "success.json", exitClean, false},
		{"validate_json_unreadable", []string{"validate", "--json", fixtures + "success.json", "nope.json"}, "", exitUsage, false},
		{"completion_bash", []string{"completion", "bash"}, "", exitClean, true},
		{"version_flag", []string{"--version"}, "", exitClean, false},
		{"version_json", []string{"version", "--json"}, "", exitClean, false},
		{"validate_jaeger", []string{"validate", "--jaeger", "x", fixtures + "success.json"}, "", exitUsage, false},
		{"stats_jaeger", []string{"stats", "--jaeger", "x", fixtures}, "", exitUsage, false},
		{"diff_slow", []string{"diff", "--slow", "2s", fixtures + "success.json", fixtures + "success_b.json"}, "", exitUsage, false},
		{"diff_two_stdin", []string{"diff", "-", "-"}, fixtures + "success.json", exitUsage, false},
		{"help_unknown", []string{"help", "frobnicate"}, "", exitUsage, false},
		{"no_args", nil, "", exitUsage, false},
		{"stdin_empty", []string{"timeline", "-"}, "", exitUsage, false},
		{"unknown_flag_escaped", []string{"analyze", "--bo\x1b]0;pwned\x07gus", "-"}, "", exitUsage, false},
		{"unknown_command_escaped", []string{"time\x1b[2Jline"}, "", exitUsage, false},
		// Lifecycle files: one phase, a phase the escrow has not, a phase that does not exist.
		{"analyze_phase_release", []string{"analyze", "--phase", "release", lifecycle + "import_before_refresh.json"}, "", exitFindings, false},
		{"diff_phase_release", []string{"diff", "--phase", "release", lifecycle + "released.json", lifecycle + "import_before_refresh.json"}, "", exitFindings, true},
		{"timeline_phase_missing", []string{"timeline", "--phase", "refund", lifecycle + "released.json"}, "", exitUsage, false},
		{"timeline_phase_bogus", []string{"timeline", "--phase", "payday", lifecycle + "released.json"}, "", exitUsage, false},
		{"stats_lifecycle_json", []string{"stats", "--json", lifecycle}, "", exitFindings, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			stdout, stderr, code := runWith(t, tt.args, tt.stdin)
			if code != tt.want {
				t.Errorf("exit %d, want %d\nstderr: %s", code, tt.want, stderr)
			}
			if tt.firstLine {
				stdout, _, _ = strings.Cut(stdout, "\n")
			}
			golden(t, tt.name+".stdout", stdout)
			golden(t, tt.name+".stderr", stderr)
		})
	}
}

// TestCLIStdin: "-" reads standard input and gives what the file gives, on
// every command that reads a file.
func TestCLIStdin(t *testing.T) {
	file := fixtures + "already_multisig_before_round1.json"
	tests := []struct {
		name        string
		stdin, file []string // the same command with "-" and with the file
	}{
		{"timeline", []string{"timeline", "-"}, []string{"timeline", file}},
		{"timeline json", []string{"timeline", "--json", "-"}, []string{"timeline", "--json", file}},
		{"timeline jaeger", []string{"timeline", "--jaeger", "http://127.0.0.1:1", "-"}, []string{"timeline", file}},
		{"analyze", []string{"analyze", "-"}, []string{"analyze", file}},
		{"diff A", []string{"diff", "-", fixtures + "success.json"}, []string{"diff", file, fixtures + "success.json"}},
		{"diff B", []string{"diff", "--json", fixtures + "success.json", "-"}, []string{"diff", "--json", fixtures + "success.json", file}},
		{"html", []string{"html", "-"}, []string{"html", file}},
		{"stats", []string{"stats", "--json", "-"}, []string{"stats", "--json", file}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fromStdin, errStdin, codeStdin := runWith(t, tt.stdin, file)
			fromFile, errFile, codeFile := runWith(t, tt.file, "")
			if codeStdin != codeFile || fromStdin != fromFile || errStdin != errFile {
				t.Errorf("stdin: exit %d, stderr %q; file: exit %d, stderr %q; same stdout: %v",
					codeStdin, errStdin, codeFile, errFile, fromStdin == fromFile)
			}
			if fromFile == "" {
				t.Error("no output")
			}
		})
	}
	// stats names an unreadable stdin "-" / stdin, never the spooled file.
	stdout, stderr, code := runWith(t, []string{"stats", "--json", "-"}, "../../analysis/testdata/broken/truncated.json")
	if code != exitUsage || !strings.Contains(stdout, `"file": "-"`) || !strings.HasPrefix(stderr, "escrowtrace stats: stdin: ") || strings.Contains(stdout+stderr, os.TempDir()) {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
}

// TestCLIStdinLimit: stdin is refused past the size limit, as files are.
func TestCLIStdinLimit(t *testing.T) {
	if testing.Short() {
		t.Skip("reads 256 MiB")
	}
	var stdout, stderr bytes.Buffer
	code := run(context.Background(), []string{"analyze", "-"}, &stdout, &stderr, env{stdin: io.LimitReader(zeros{}, 256<<20+1)})
	if code != exitUsage || !strings.Contains(stderr.String(), "stdin: larger than 256 MiB") {
		t.Errorf("exit %d, stderr %q", code, stderr.String())
	}
}

type zeros struct{}

func (zeros) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// TestCLIValidateJSON: validate --json is one object per file, in order.
func TestCLIValidateJSON(t *testing.T) {
	stdout, _, code := runWith(t, []string{"validate", "--json", fixtures + "success.json", "../../analysis/testdata/broken/bad_seq.json", "nope.json"}, "")
	var got []validation
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatalf("not JSON (%v): %s", err, stdout)
	}
	if code != exitUsage || len(got) != 3 || !got[0].Valid || got[0].Error != "" || got[1].Valid || got[1].Error == "" ||
		got[2].Valid || got[2].Error != "no such file or directory" {
		t.Errorf("exit %d, %+v", code, got)
	}
}

func runWith(t *testing.T, args []string, stdinFile string) (stdout, stderr string, code int) {
	t.Helper()
	var in io.Reader
	if stdinFile != "" {
		fh, err := os.Open(stdinFile)
		if err != nil {
			t.Fatal(err)
		}
		defer fh.Close()
		in = fh
	}
	var out, errb bytes.Buffer
	code = run(context.Background(), args, &out, &errb, env{stdin: in})
	return out.String(), errb.String(), code
}

func golden(t *testing.T, name, got string) {
	t.Helper()
	path := filepath.Join("testdata", "cli", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test -update)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from the golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
