package demotest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/osprobe"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

func repoRoot(t *testing.T) string {
	t.Helper()
	root, err := filepath.Abs("../..")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(root, "scripts", "demo.sh")); err != nil {
		t.Fatalf("scripts/demo.sh not found from %s: %v", root, err)
	}
	return root
}

// build compiles the demo's two programs into dir.
func build(t *testing.T, root, dir string) {
	t.Helper()
	cmd := exec.Command("go", "build", "-o", dir+string(os.PathSeparator), "./cmd/escrowd", "./cmd/escrowtrace")
	cmd.Dir = root
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
}

func TestDemoQuick(t *testing.T) {
	wallettest.Skip(t)
	for _, tool := range []string{"bash", "curl", "jq"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("the demo needs %s (scripts/deps.sh installs it): %v", tool, err)
		}
	}
	root := repoRoot(t)
	tmp := t.TempDir()
	bin := filepath.Join(tmp, "bin")
	build(t, root, bin)
	out := filepath.Join(tmp, "out")

	ctx, cancel := context.WithTimeout(context.Background(), 15*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", filepath.Join(root, "scripts", "demo.sh"))
	cmd.Dir = root
	cmd.Env = append(os.Environ(), "DEMO_QUICK=1", "DEMO_JAEGER=0", "NO_COLOR=1", "BIN="+bin, "DEMO_OUT="+out)
	var stdout bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stdout
	err := cmd.Run()
	text := stdout.String()
	t.Logf("demo output:\n%s", text)
	if err != nil {
		t.Fatalf("demo: %v", err)
	}

	// What each phase must show.
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^   [12] of 2 escrows failed\.$`),               // 1. the race, reproduced
		regexp.MustCompile(`(?m)^Anomalies \(\d+\)$`),                           // 2. the diagnosis
		regexp.MustCompile(`cause: .*evidence: .*all called one wallet server`), // ... with its evidence
		regexp.MustCompile(`(?m)^   2 of 2 escrows ready\.$`),                   // 3. the fix
		regexp.MustCompile(`Divergence at event #\d+: A: .+, B: .+`),            // 4. the diff
		regexp.MustCompile(`(?m)^  shared +2 escrows +[01] ready +[12] failed`), // 5. before
		regexp.MustCompile(`(?m)^  leased +2 escrows +2 ready +0 failed`),       // ... and after
	} {
		if !want.MatchString(text) {
			t.Errorf("demo output lacks %s", want)
		}
	}

	// It keeps its files in the directory it names, and they are valid.
	if !strings.Contains(text, "writing everything under "+out) {
		t.Errorf("the demo does not name its directory %s", out)
	}
	for _, dir := range []string{"shared", "leased"} {
		files, _ := filepath.Glob(filepath.Join(out, dir, "traces", "escrow_*.json"))
		if len(files) != 2 {
			t.Errorf("%s run: %d trace files, want 2", dir, len(files))
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			if err := escrowtrace.Validate(data); err != nil {
				t.Errorf("%s: %v", f, err)
			}
		}
	}
	for _, page := range []string{"escrow_failed.html", "diff.html"} {
		if fi, err := os.Stat(filepath.Join(out, page)); err != nil || fi.Size() == 0 {
			t.Errorf("page %s: %v", page, err)
		}
	}

	// It leaves no process behind: no escrowd or wallet server runs on its directory.
	left, err := osprobe.Find(out)
	if err != nil {
		t.Fatal(err)
	}
	if len(left) > 0 {
		t.Errorf("processes left running: %v", left)
	}
}
