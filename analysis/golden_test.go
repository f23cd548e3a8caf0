package analysis

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/fixtures and testdata/golden from the current code")

// golden compares got with testdata/golden/name, or writes it with -update.
func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "golden", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./analysis -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from the golden file (go test ./analysis -update rewrites it)\n--- got\n%s\n--- want\n%s", path, got, want)
	}
}

func fixtureNames(t *testing.T) []string {
	t.Helper()
	names := make([]string, 0)
	for n := range fixtures() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestFixturesUpToDate keeps testdata/fixtures equal to the setups in
// fixture_test.go, and checks every fixture against the v1 schema.
func TestFixturesUpToDate(t *testing.T) {
	for name, f := range fixtures() {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if err := ValidateSchema(got); err != nil {
				t.Errorf("fixture does not validate: %v", err)
			}
			path := filepath.Join("testdata", "fixtures", name)
			if *update {
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
				t.Errorf("%s is out of date with fixture_test.go (go test ./analysis -update)", path)
			}
		})
	}
}

// readFixture analyses testdata/fixtures/name, or testdata/lifecycle/x for
// name "lifecycle/x".
func readFixture(t *testing.T, name string) *Analysis {
	t.Helper()
	path := filepath.Join("testdata", "fixtures", name)
	if rest, ok := strings.CutPrefix(name, "lifecycle/"); ok {
		path = filepath.Join(lifecycleDir, rest)
	}
	f, err := ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return Analyze(f, Options{})
}

func TestGoldenTimelineAndAnalyze(t *testing.T) {
	for _, name := range fixtureNames(t) {
		t.Run(name, func(t *testing.T) {
			a := readFixture(t, name)
			base := strings.TrimSuffix(name, ".json")
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

// TestAnomalyKinds pins which kinds each fixture shows: every kind of the
// contract has a fixture, and a clean success shows none.
func TestAnomalyKinds(t *testing.T) {
	tests := []struct {
		fixture string
		want    []Kind
	}{
		{"success.json", nil},
		{"success_b.json", nil},
		{"unknown_fields.json", nil},
		{"already_multisig_before_round1.json", []Kind{KindAlreadyMultisigBeforeRound1, KindRPCError}},
		{"wrong_wallet_open.json", []Kind{KindWrongWalletOpen, KindRPCError}},
		{"wrong_wallet_same_hash.json", []Kind{KindWrongWalletOpen}},
		{"address_mismatch.json", []Kind{KindAddressMismatch}},
		{"not_ready_at_final.json", []Kind{KindNotReadyAtFinal}},
		{"rpc_error.json", []Kind{KindRPCError}},
		{"missing_snapshot.json", []Kind{KindMissingSnapshot}},
		{"incomplete_trace.json", []Kind{KindIncompleteTrace, KindIncompleteTrace}},
		{"slow_rpc.json", []Kind{KindSlowRPC}},
		{"insecure_wallet_file.json", []Kind{KindInsecureWalletFile}},
		{"lifecycle/released.json", nil},
		{"lifecycle/resolved.json", nil},
		{"lifecycle/import_before_refresh.json", []Kind{KindImportBeforeRefresh, KindImportBeforeRefresh, KindBalanceMismatch, KindRPCError}},
		{"lifecycle/stale_multisig_data.json", []Kind{KindStaleMultisigData, KindRPCError}},
		{"lifecycle/multisig_import_needed.json", []Kind{KindMultisigImportNeeded}},
		{"lifecycle/balance_mismatch.json", []Kind{KindBalanceMismatch}},
		{"lifecycle/double_payout.json", []Kind{KindDoublePayout}},
	}
	covered := map[Kind]bool{}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			a := readFixture(t, tt.fixture)
			var got []Kind
			for _, an := range a.Anomalies {
				got = append(got, an.Kind)
				covered[an.Kind] = true
				if an.Message == "" || an.Cause == "" || an.Hint == "" {
					t.Errorf("%s: message, cause and hint must all be set: %+v", an.Kind, an)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) {
				t.Errorf("kinds = %v, want %v", got, want)
			}
			if clean := a.Clean(); clean != (len(tt.want) == 0 && a.Timeline.Outcome == "success") {
				t.Errorf("Clean() = %v with outcome %s and %d anomalies", clean, a.Timeline.Outcome, len(a.Anomalies))
			}
		})
	}
	for _, k := range Kinds() {
		if !covered[k] {
			t.Errorf("no fixture shows %s", k)
		}
	}
}

func TestGoldenDiff(t *testing.T) {
	tests := []struct {
		name, a, b    string
		identical     bool
		wantIndex     int
		wantDivergeAt string // the A and B keys at the first divergence
	}{
		{"success_vs_success_b", "success.json", "success_b.json", true, 0, ""},
		{"success_vs_race", "success.json", "already_multisig_before_round1.json", false, 6,
			"A: SNAPSHOT_PRE_ROUND1 role=buyer round=1, B: SNAPSHOT_PRE_ROUND1 role=buyer round=1"},
		{"success_vs_rpc_error", "success.json", "rpc_error.json", false, 9,
			"A: (none), B: RPC_CALL_START role=vendor method=open_wallet"},
		{"success_vs_wrong_wallet", "success.json", "wrong_wallet_open.json", false, 29,
			"A: RPC_CALL_END role=vendor round=2 method=exchange_multisig_keys, B: RPC_CALL_ERROR role=vendor round=2 method=exchange_multisig_keys"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa, err := ReadFile(filepath.Join("testdata", "fixtures", tt.a))
			if err != nil {
				t.Fatal(err)
			}
			fb, err := ReadFile(filepath.Join("testdata", "fixtures", tt.b))
			if err != nil {
				t.Fatal(err)
			}
			d := Compare(fa, fb)
			if d.Identical != tt.identical {
				t.Fatalf("Identical = %v, want %v (first: %+v)", d.Identical, tt.identical, d.First)
			}
			if tt.wantDivergeAt != "" {
				got := "A: " + keyOrNone(d.First.A) + ", B: " + keyOrNone(d.First.B)
				if d.First.Index != tt.wantIndex || got != tt.wantDivergeAt {
					t.Errorf("divergence #%d %q, want #%d %q", d.First.Index, got, tt.wantIndex, tt.wantDivergeAt)
				}
			}
			var buf bytes.Buffer
			if err := WriteDiffText(&buf, d, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, "diff_"+tt.name+".txt", buf.Bytes())
			buf.Reset()
			if err := WriteDiffJSON(&buf, d); err != nil {
				t.Fatal(err)
			}
			golden(t, "diff_"+tt.name+".json", buf.Bytes())
		})
	}
}

func TestGoldenStats(t *testing.T) {
	s, err := Aggregate(context.Background(), []string{filepath.Join("testdata", "fixtures")}, StatsOptions{Workers: 3})
	if err != nil {
		t.Fatal(err)
	}
	if s.Files != len(fixtures()) || s.Unreadable != 0 {
		t.Errorf("files %d unreadable %d, want %d and 0", s.Files, s.Unreadable, len(fixtures()))
	}
	var buf bytes.Buffer
	if err := WriteStatsText(&buf, s, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "stats.txt", buf.Bytes())
	buf.Reset()
	if err := WriteStatsJSON(&buf, s); err != nil {
		t.Fatal(err)
	}
	golden(t, "stats.json", buf.Bytes())
}
