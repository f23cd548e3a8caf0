package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
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
	f, rel := naiveRelease(t)
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

// TestLifecycleDiff: a failed payout against a good one diverges first at
// the cause (the step the failed one left out), not at the error that
// followed; real files from regtest (testdata/real) agree with the
// hand-made ones.
func TestLifecycleDiff(t *testing.T) {
	tests := []struct {
		name, a, b string
		want       string // the first divergence's A and B keys
		golden     bool
	}{
		{"released_vs_import_before_refresh", "lifecycle/released.json", "lifecycle/import_before_refresh.json",
			"A: RPC_CALL_START role=buyer method=refresh phase=release, B: (none)", true},
		{"released_vs_stale_multisig_data", "lifecycle/released.json", "lifecycle/stale_multisig_data.json",
			"A: RPC_CALL_START role=vendor method=export_multisig_info phase=release, B: (none)", true},
		{"released_vs_multisig_import_needed", "lifecycle/released.json", "lifecycle/multisig_import_needed.json",
			"A: SNAPSHOT_POST_SYNC role=vendor phase=release, B: SNAPSHOT_POST_SYNC role=vendor phase=release", true},
		{"released_vs_resolved", "lifecycle/released.json", "lifecycle/resolved.json",
			"A: RPC_CALL_START role=buyer method=open_wallet phase=release, B: (none)", false},
		// Real regtest escrows: the first divergence is the buyer's refresh
		// the naive payout leaves out.
		{"real_released_vs_naive", "real/released.json", "real/naive_failed_release.json",
			"A: RPC_CALL_START role=buyer method=refresh phase=release, B: (none)", true},
		// A release against a real resolve: the payouts' signers differ from
		// the first step (the arbiter builds a resolve).
		{"real_released_vs_resolved", "real/released.json", "real/resolved_for_buyer.json",
			"A: RPC_CALL_START role=buyer method=open_wallet phase=release, B: (none)", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa, fb := readTestFile(t, tt.a), readTestFile(t, tt.b)
			d := Compare(fa, fb)
			if d.First == nil {
				t.Fatal("no divergence")
			}
			got := "A: " + keyOrNone(d.First.A) + ", B: " + keyOrNone(d.First.B)
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("first divergence #%d %q, want %q", d.First.Index, got, tt.want)
			}
			if self := Compare(fa, fa); !self.Identical {
				t.Errorf("%s against itself: %+v", tt.a, self.First)
			}
			if !tt.golden {
				return
			}
			var buf bytes.Buffer
			if err := WriteDiffText(&buf, d, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, "lifecycle/diff_"+tt.name+".txt", buf.Bytes())
			buf.Reset()
			if err := WriteDiffJSON(&buf, d); err != nil {
				t.Fatal(err)
			}
			golden(t, "lifecycle/diff_"+tt.name+".json", buf.Bytes())
		})
	}
}

// readTestFile reads testdata/<name>.
func readTestFile(t *testing.T, name string) *escrowtrace.File {
	t.Helper()
	f, err := ReadFile(filepath.Join("testdata", filepath.FromSlash(name)))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// TestLifecycleStats: failures by phase and the payout's root causes over
// the lifecycle fixtures.
func TestLifecycleStats(t *testing.T) {
	s, err := Aggregate(context.Background(), []string{lifecycleDir}, StatsOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Lifecycle != len(lifecycleFixtures()) || s.FailuresByPhase["release"] != s.Failed || s.Failed != 4 {
		t.Errorf("lifecycle files %d, failed %d, by phase %v", s.Lifecycle, s.Failed, s.FailuresByPhase)
	}
	if s.RootCauseShare() != 1 {
		t.Errorf("root-cause share %v, want every payout failure named: %v", s.RootCauseShare(), s.FailuresByRootCause)
	}
	var buf bytes.Buffer
	if err := WriteStatsText(&buf, s, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "lifecycle/stats.txt", buf.Bytes())
	buf.Reset()
	if err := WriteStatsJSON(&buf, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "lifecycle/stats.json", buf.Bytes())
}

// TestRealLifecycleFiles: the regtest files read, validate, and name what
// happened: the released escrow is clean with its funded balance before the
// payout and 0 after; the naive one fails by import_before_refresh.
func TestRealLifecycleFiles(t *testing.T) {
	for _, name := range []string{"released.json", "naive_failed_release.json", "resolved_for_buyer.json"} {
		data, err := os.ReadFile(filepath.Join("testdata", "real", name))
		if err != nil {
			t.Fatal(err)
		}
		if err := ValidateSchema(data); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
	rel := Analyze(readTestFile(t, "real/released.json"), Options{})
	for _, an := range rel.Anomalies {
		if an.Kind != KindSlowRPC {
			t.Errorf("released: %s %s", an.Kind, an.Message)
		}
	}
	lc := rel.Lifecycle
	if lc == nil || lc.Funded == nil || *lc.Funded == 0 || len(lc.Phases) != 3 {
		t.Fatalf("released lifecycle: %+v", lc)
	}
	for _, s := range lc.Phases[2].Snapshots {
		want := *lc.Funded
		if s.Point == escrow.PointPayoutFinal {
			want = 0
		}
		if s.Point != escrow.PointPostSign && (s.Snapshot.Balance == nil || *s.Snapshot.Balance != want) {
			t.Errorf("%s %s balance %s, want %d", s.Point.Short(), s.Role, optUint(s.Snapshot.Balance), want)
		}
	}
	for _, st := range lc.Phases[2].Steps {
		for _, c := range st.Cells {
			if c.Status != StepOK && c.Status != StepNone {
				t.Errorf("released step %s %s: %s", st.Name, c.Role, c.Status)
			}
		}
	}
	naive := Analyze(readTestFile(t, "real/naive_failed_release.json"), Options{})
	var buf bytes.Buffer
	if err := WriteAnalysisText(&buf, naive, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "lifecycle/real_naive_failed_release.analyze.txt", buf.Bytes())
	if got := naive.RootCause(); got != KindImportBeforeRefresh {
		t.Errorf("naive root cause %q, want import_before_refresh", got)
	}
	last := naive.Lifecycle.Phases[len(naive.Lifecycle.Phases)-1]
	if last.Steps[0].Name != "refresh" || last.Steps[0].Cells[0].Status != StepSkipped {
		t.Errorf("naive: the buyer's refresh step is %q, want skipped", last.Steps[0].Cells[0].Status)
	}
}

// Odd lifecycle files read and render without a panic: a resolve whose
// winner never acted (no signers to show), phases the list does not name,
// a phases list without events, events of a phase without a list.
func TestLifecycleOddFiles(t *testing.T) {
	base := func() *escrowtrace.File {
		return lifecycle{id: "odd", payouts: []payout{{phase: escrow.PhaseRelease}}}.build()
	}
	cases := map[string]func(f *escrowtrace.File){
		"resolve without winner": func(f *escrowtrace.File) {
			f.Phases[2].Name = escrow.PhaseResolve
			var kept []escrowtrace.Event
			for _, e := range f.Events {
				if e.Phase == escrow.PhaseRelease {
					if e.Role != "arbiter" {
						continue
					}
					e.Phase = escrow.PhaseResolve
				}
				kept = append(kept, e)
			}
			f.Events = kept
		},
		"event of an unlisted phase": func(f *escrowtrace.File) { f.Events[len(f.Events)-1].Phase = escrow.PhaseRefund },
		"phases without events":      func(f *escrowtrace.File) { f.Events = f.Events[:10] },
		"events without phases list": func(f *escrowtrace.File) { f.Phases = nil },
		"unknown phase name":         func(f *escrowtrace.File) { f.Phases[1].Name = "payday" },
		"no events at all":           func(f *escrowtrace.File) { f.Events = nil },
	}
	for name, bend := range cases {
		t.Run(name, func(t *testing.T) {
			f := base()
			bend(f)
			a := Analyze(f, Options{})
			var buf bytes.Buffer
			for _, w := range []func() error{
				func() error { return WriteTimelineText(&buf, a.Timeline, TextOptions{Color: true}) },
				func() error { return WriteAnalysisText(&buf, a, TextOptions{}) },
				func() error { return WriteAnalysisJSON(&buf, a) },
				func() error { return WriteEscrowHTML(&buf, a, HTMLOptions{}) },
				func() error { return WriteDiffText(&buf, Compare(base(), f), TextOptions{}) },
				func() error { return WriteDiffHTML(&buf, Compare(f, base()), HTMLOptions{}) },
			} {
				if err := w(); err != nil {
					t.Fatal(err)
				}
			}
			for _, p := range escrow.Phases {
				_, _ = OnlyPhase(f, p)
			}
		})
	}
}

// TestOnlyPhaseShowsNoSetupPoints: the text and the page of a later phase
// alone have no setup snapshot table (it would show the seven setup points
// of every role as missing); the whole file's have it, with its snapshots.
func TestOnlyPhaseShowsNoSetupPoints(t *testing.T) {
	f, rel := naiveRelease(t)
	tests := []struct {
		name string
		file *escrowtrace.File
		want bool
	}{
		{"whole file", f, true},
		{"release alone", rel, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Analyze(tt.file, Options{})
			var text, page strings.Builder
			if err := WriteAnalysisText(&text, a, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			if err := WriteEscrowHTML(&page, a, HTMLOptions{}); err != nil {
				t.Fatal(err)
			}
			if got := strings.Contains(text.String(), "\nSnapshots\n  buyer (") && strings.Contains(text.String(), "PRE_ROUND1"); got != tt.want {
				t.Errorf("text has the setup snapshots: %v, want %v", got, tt.want)
			}
			if got := strings.Contains(page.String(), `id="snapshots-h"`); got != tt.want {
				t.Errorf("page has the setup snapshots: %v, want %v", got, tt.want)
			}
			if strings.Contains(page.String(), "✗ missing") {
				t.Error("page shows a missing snapshot")
			}
			// The phase's own snapshots are there either way.
			if !strings.Contains(text.String(), "POST_SYNC") || !strings.Contains(page.String(), "POST_SYNC") {
				t.Error("the release's snapshots are not shown")
			}
		})
	}
}

// naiveRelease reads the failed naive payout's fixture, whole and its
// release phase alone.
func naiveRelease(t *testing.T) (whole, release *escrowtrace.File) {
	t.Helper()
	f, err := ReadFile(filepath.Join(lifecycleDir, "import_before_refresh.json"))
	if err != nil {
		t.Fatal(err)
	}
	rel, err := OnlyPhase(f, "release")
	if err != nil {
		t.Fatal(err)
	}
	return f, rel
}
