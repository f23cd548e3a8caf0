package demotest

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/chaintest"
	"github.com/escrowd/escrowd/internal/osprobe"
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

// uuid is an escrow ID in the demo's output.
const uuid = `[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`

// naiveFailed is the naive payout's answer: the escrow still funded, with the
// payout's error.
var naiveFailed = regexp.MustCompile(`(?m)^   escrow (` + uuid + `)  funded\n   last_error: release / .+$`)

// checkMoneyFiles checks the money chapter's trace files: two escrows, each
// valid against the schema with its setup, fund and release phases.
func checkMoneyFiles(t *testing.T, out string) {
	t.Helper()
	files, _ := filepath.Glob(filepath.Join(out, "money", "traces", "escrow_*.json"))
	if len(files) != 2 {
		t.Errorf("money run: %d trace files, want 2", len(files))
	}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := escrowtrace.Validate(data); err != nil {
			t.Errorf("%s: %v", f, err)
			continue
		}
		var file struct {
			Phases []struct {
				Name string `json:"name"`
			} `json:"phases"`
		}
		if err := json.Unmarshal(data, &file); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		var got []string
		for _, p := range file.Phases {
			got = append(got, p.Name)
		}
		for _, want := range []string{"setup", "fund", "release"} {
			if !slices.Contains(got, want) {
				t.Errorf("%s: phases %v lack %s", filepath.Base(f), got, want)
			}
		}
	}
}

func TestDemoQuick(t *testing.T) {
	chaintest.Skip(t) // wallet servers, and monerod for the money chapter
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

	// Generous: the demo's parts wait on real servers and a real chain; on a
	// loaded machine they take several times their idle duration.
	ctx, cancel := context.WithTimeout(context.Background(), 40*time.Minute)
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
		// 6. the money path: funded by the faucet, then a naive payout that fails and leaves it funded
		regexp.MustCompile(`(?m)^   escrow ` + uuid + `  funded  balance 1500000000000 \(unlocked 1500000000000\) atomic units$`),
		naiveFailed,
		// 7. its diagnosis names the missing refresh, with the evidence from the trace
		regexp.MustCompile(`(?m)^  import_before_refresh role=(buyer|vendor) seq=\d+ phase=release\n +(buyer|vendor)'s import_multisig_info at #\d+ ran with no refresh since open_wallet at #\d+$`),
		// 8. the fix: the escrow left funded, and a fresh one, released
		regexp.MustCompile(`(?m)^   escrow ` + uuid + `  released  paid \d+ to the vendor, fee \d+, tx [0-9a-f]{16}\.\.\.$`),
		// 9. the failed payout's first divergence from the good one is the good one's refresh
		regexp.MustCompile(`Divergence at event #\d+: A: \(none\), B: RPC_CALL_START role=(buyer|vendor) method=refresh phase=release`),
		// ... and the vendor's own wallet holds what the API says was paid
		regexp.MustCompile(`(?m)^   The vendor's wallet holds what the API says\.$`),
	} {
		if !want.MatchString(text) {
			t.Errorf("demo output lacks %s", want)
		}
	}

	// Both payouts of the money chapter were released, the naive one first
	// (funded, failed), then paid on the restart: two released lines.
	released := regexp.MustCompile(`(?m)^   escrow (`+uuid+`)  released  paid (\d+) to the vendor`).FindAllStringSubmatch(text, -1)
	if len(released) != 2 || released[0][1] == released[1][1] {
		t.Errorf("money chapter: %d released payouts %v, want 2 escrows", len(released), released)
	} else if m := naiveFailed.FindStringSubmatch(text); m == nil || m[1] != released[0][1] {
		t.Errorf("money chapter: the escrow the naive payout left funded (%v) is not the one paid after the restart (%s)", m, released[0][1])
	}
	checkMoneyFiles(t, out)

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
	for _, page := range []string{"escrow_failed.html", "diff.html", "payout_failed.html", "payout_diff.html"} {
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
