package analysis

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// lifecycleDir holds the lifecycle fixtures, apart from testdata/fixtures so
// that the setup's goldens (stats over that directory among them) stay as
// they are.
var lifecycleDir = filepath.Join("testdata", "lifecycle")

func lifecycleNames() []string {
	var names []string
	for n := range lifecycleFixtures() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestLifecycleFixturesUpToDate keeps testdata/lifecycle equal to
// lifecycle_fixture_test.go and every file valid against the v1 schema.
func TestLifecycleFixturesUpToDate(t *testing.T) {
	for name, f := range lifecycleFixtures() {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if err := ValidateSchema(got); err != nil {
				t.Errorf("fixture does not validate: %v", err)
			}
			path := filepath.Join(lifecycleDir, name)
			if *update {
				if err := os.MkdirAll(lifecycleDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./analysis -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is out of date with lifecycle_fixture_test.go (go test ./analysis -update)", path)
			}
		})
	}
}

func readLifecycle(t *testing.T, name string) *Analysis {
	t.Helper()
	f, err := ReadFile(filepath.Join(lifecycleDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return Analyze(f, Options{})
}

func TestLifecycleGolden(t *testing.T) {
	for _, name := range lifecycleNames() {
		t.Run(name, func(t *testing.T) {
			a := readLifecycle(t, name)
			base := "lifecycle/" + strings.TrimSuffix(name, ".json")
			var buf bytes.Buffer
			if err := WriteTimelineText(&buf, a.Timeline, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, base+".timeline.txt", buf.Bytes())
			buf.Reset()
			if err := WriteAnalysisText(&buf, a, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, base+".analyze.txt", buf.Bytes())
			buf.Reset()
			if err := WriteAnalysisJSON(&buf, a); err != nil {
				t.Fatal(err)
			}
			golden(t, base+".analyze.json", buf.Bytes())
		})
	}
}

// TestLifecycleRootCause: a failed payout is named by its root cause, not by
// the rpc_error that showed it; a released escrow has none.
func TestLifecycleRootCause(t *testing.T) {
	tests := []struct {
		fixture string
		want    Kind
	}{
		{"released.json", ""},
		{"resolved.json", ""},
		{"double_payout.json", ""}, // it succeeded: a finding, no failure
		{"import_before_refresh.json", KindImportBeforeRefresh},
		{"stale_multisig_data.json", KindStaleMultisigData},
		{"multisig_import_needed.json", KindMultisigImportNeeded},
		{"balance_mismatch.json", KindBalanceMismatch},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f, err := ReadFile(filepath.Join(lifecycleDir, tt.fixture))
			if err != nil {
				t.Fatal(err)
			}
			if got := RootCause(f); got != tt.want {
				t.Errorf("RootCause = %q, want %q", got, tt.want)
			}
		})
	}
}

// A finding of the setup does not name a later phase's failure: the root
// cause is the failed phase's own.
func TestRootCauseIsTheFailedPhases(t *testing.T) {
	f := lifecycle{id: "setup-flagged", payouts: []payout{{phase: "release", importNeeded: "vendor"}}}.build()
	// The setup's buyer wallet showed another wallet's address at PRE_ROUND2:
	// wrong_wallet_open, a root-cause kind, but in the setup, which succeeded.
	for i := range f.Events {
		if f.Events[i].Type == "SNAPSHOT_PRE_ROUND2" && f.Events[i].Role == "buyer" {
			f.Events[i].Snapshot.AddressHash = "0123456789abcdef"
		}
	}
	a := Analyze(f, Options{})
	kinds := map[Kind]bool{}
	for _, an := range a.Anomalies {
		kinds[an.Kind] = true
	}
	if !kinds[KindWrongWalletOpen] {
		t.Fatalf("the setup's wrong_wallet_open was not found: %v", kinds)
	}
	if got := a.RootCause(); got != KindMultisigImportNeeded {
		t.Errorf("RootCause = %q, want the release's multisig_import_needed", got)
	}
}

// OnlyPhase keeps one phase's events with the file's seq numbers, offsets
// from the phase's start, and the phase's outcome at the top level; a phase
// the file lacks is an error.
func TestOnlyPhase(t *testing.T) {
	f, err := ReadFile(filepath.Join(lifecycleDir, "import_before_refresh.json"))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := OnlyPhase(f, "release")
	if err != nil {
		t.Fatal(err)
	}
	if rel.Outcome != "failed" || rel.Error == nil || len(rel.Phases) != 1 || !rel.StartedAt.Equal(f.Phases[2].StartedAt) {
		t.Errorf("release only: outcome %s error %v phases %v started %v", rel.Outcome, rel.Error, rel.Phases, rel.StartedAt)
	}
	for _, e := range rel.Events {
		if e.Phase != "release" || e.OffsetMS < 0 || e.OffsetMS > *rel.DurationMS+1 {
			t.Errorf("event #%d: phase %s offset %v", e.Seq, e.Phase, e.OffsetMS)
		}
	}
	if rel.Events[0].Seq == 0 {
		t.Error("seq renumbered; want the file's")
	}
	a := Analyze(rel, Options{})
	if a.RootCause() != KindImportBeforeRefresh {
		t.Errorf("release alone: root cause %q", a.RootCause())
	}
	for _, an := range a.Anomalies {
		if an.Kind == KindMissingSnapshot {
			t.Errorf("a phase without the setup misses no setup snapshot: %+v", an)
		}
	}
	setupOnly, err := OnlyPhase(f, "setup")
	if err != nil || setupOnly.Outcome != "success" || len(setupOnly.Events) != 51 {
		t.Errorf("setup only: %v, outcome %s, %d events", err, setupOnly.Outcome, len(setupOnly.Events))
	}
	for _, p := range []string{"refund", "nonsense"} {
		if _, err := OnlyPhase(f, escrowPhase(p)); err == nil {
			t.Errorf("OnlyPhase(%s) succeeded", p)
		}
	}
	// A file of the setup alone is its own setup, and has no other phase.
	plain, err := ReadFile(filepath.Join("testdata", "fixtures", "success.json"))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := OnlyPhase(plain, "setup"); err != nil || got != plain {
		t.Errorf("setup of a setup-only file: %v", err)
	}
	if _, err := OnlyPhase(plain, "release"); err == nil || !strings.Contains(err.Error(), "only the setup") {
		t.Errorf("release of a setup-only file: %v", err)
	}
}
