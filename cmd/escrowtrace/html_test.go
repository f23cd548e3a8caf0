package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestHTMLCommands(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name       string
		args       []string
		want       int
		file       string // written by -o, "" when none
		wantInPage string
		wantStderr string
	}{
		{"escrow page", []string{"html", fixtures + "success.json", "-o", filepath.Join(dir, "ok.html")}, exitClean,
			"ok.html", `class="lane" data-role="buyer"`, ""},
		{"failed escrow page", []string{"html", "--jaeger", "http://127.0.0.1:16686", fixtures + "already_multisig_before_round1.json", "-o", filepath.Join(dir, "race.html")},
			exitFindings, "race.html", `href="http://127.0.0.1:16686/trace/00000000000000000000726163652d62"`, ""},
		{"diff page", []string{"diff", "--html", fixtures + "success.json", fixtures + "already_multisig_before_round1.json", "-o", filepath.Join(dir, "diff.html")},
			exitFindings, "diff.html", `<tr id="divergence"`, ""},
		{"diff page to stdout", []string{"diff", "--html", fixtures + "success.json", fixtures + "success_b.json"}, exitClean,
			"", "✓ No divergence", ""},
		{"html and json", []string{"diff", "--html", "--json", fixtures + "success.json", fixtures + "success_b.json"}, exitUsage,
			"", "", "exclude each other"},
		{"-o without html", []string{"diff", "-o", filepath.Join(dir, "x.html"), fixtures + "success.json", fixtures + "success_b.json"}, exitUsage,
			"", "", "-o needs --html"},
		{"missing dir", []string{"html", fixtures + "success.json", "-o", filepath.Join(dir, "nope", "x.html")}, exitUsage,
			"", "", "no such file or directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			got := run(context.Background(), tt.args, &stdout, &stderr, env{})
			if got != tt.want {
				t.Fatalf("exit %d, want %d; stderr: %s", got, tt.want, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.wantStderr) {
				t.Errorf("stderr %q, want %q", stderr.String(), tt.wantStderr)
			}
			page := stdout.Bytes()
			if tt.file != "" {
				if stdout.Len() != 0 {
					t.Errorf("with -o, stdout got %d bytes", stdout.Len())
				}
				var err error
				if page, err = os.ReadFile(filepath.Join(dir, tt.file)); err != nil {
					t.Fatal(err)
				}
			}
			if !bytes.Contains(page, []byte(tt.wantInPage)) {
				t.Errorf("page lacks %q", tt.wantInPage)
			}
		})
	}
	// Only the finished pages are left: no temporary files beside them.
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.HasPrefix(e.Name(), ".") {
			t.Errorf("left behind %s", e.Name())
		}
	}
}
