package analysis

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

func TestParseSlow(t *testing.T) {
	tests := []struct {
		in      string
		want    SlowThreshold
		wantErr bool
	}{
		{"5x", DefaultSlow(), false},
		{"2.5x", SlowThreshold{Factor: 2.5, MinCalls: DefaultSlowMinCalls, Floor: DefaultSlowFloor}, false},
		{"800ms", SlowThreshold{Absolute: 800 * time.Millisecond}, false},
		{"2s", SlowThreshold{Absolute: 2 * time.Second}, false},
		{"1x", SlowThreshold{}, true},
		{"x", SlowThreshold{}, true},
		{"-3s", SlowThreshold{}, true},
		{"fast", SlowThreshold{}, true},
	}
	for _, tt := range tests {
		got, err := ParseSlow(tt.in)
		if (err != nil) != tt.wantErr || got != tt.want {
			t.Errorf("ParseSlow(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}

// TestSlowThresholds: the default rule ignores jitter below the floor and
// methods with too few calls; an absolute threshold flags any longer call.
func TestSlowThresholds(t *testing.T) {
	tests := []struct {
		name  string
		slow  map[string]float64
		opt   SlowThreshold
		wantN int
	}{
		{"clean", nil, SlowThreshold{}, 0},
		// prepare_multisig is ~15 ms: +40 ms is 3.7x the median, and 5x would
		// be 75 ms: not slow.
		{"below factor", map[string]float64{"vendor/prepare_multisig": 40}, SlowThreshold{}, 0},
		{"above factor", map[string]float64{"vendor/prepare_multisig": 100}, SlowThreshold{}, 1},
		// At 2x a 46 ms prepare_multisig is over the median's limit but
		// under the 50 ms floor: not slow.
		{"under floor", map[string]float64{"vendor/prepare_multisig": 32}, mustSlow(t, "2x"), 0},
		// create_wallet (~3.5 s) is the only method over an absolute 3s.
		{"absolute", nil, mustSlow(t, "3s"), 3},
		// make_multisig: 3 calls of ~670 ms, one made 5x: flagged against its median.
		{"make", map[string]float64{"arbiter/make_multisig": 3000}, SlowThreshold{}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := Analyze(setup{id: "slow-test", slow: tt.slow}.build(), Options{Slow: tt.opt})
			n := 0
			for _, an := range a.Anomalies {
				if an.Kind == KindSlowRPC {
					n++
				}
			}
			if n != tt.wantN {
				t.Errorf("%d slow_rpc, want %d: %+v", n, tt.wantN, a.Anomalies)
			}
		})
	}
}

func mustSlow(t *testing.T, s string) SlowThreshold {
	t.Helper()
	v, err := ParseSlow(s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHistogramQuantiles: the streaming quantiles stay within the stated
// relative error of the exact nearest-rank values, in any input order.
func TestHistogramQuantiles(t *testing.T) {
	var values []float64
	for i := 1; i <= 5000; i++ {
		values = append(values, float64(i*i%9973)+0.5)
	}
	fwd, rev := newHistogram(), newHistogram()
	for i := range values {
		fwd.add(values[i])
		rev.add(values[len(values)-1-i])
	}
	sorted := append([]float64(nil), values...)
	sort.Float64s(sorted)
	for _, p := range []float64{0.5, 0.95, 0.99, 1} {
		exact := nearestRank(sorted, p)
		got := fwd.quantile(p)
		if math.Abs(got-exact)/exact > histRelErr+1e-9 {
			t.Errorf("p%v = %v, exact %v: beyond %.2f%%", p*100, got, exact, histRelErr*100)
		}
		if rev.quantile(p) != got {
			t.Errorf("p%v depends on input order: %v vs %v", p*100, got, rev.quantile(p))
		}
	}
	if newHistogram().quantile(0.5) != 0 {
		t.Error("empty histogram")
	}
}

// TestAggregateUnreadableAndCancel: broken files are counted and named, not
// fatal; a missing directory and a cancelled context are errors.
func TestAggregateUnreadableAndCancel(t *testing.T) {
	s, err := Aggregate(context.Background(), []string{filepath.Join("testdata", "broken")}, StatsOptions{})
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := filepath.Glob(filepath.Join("testdata", "broken", "*.json"))
	if s.Unreadable != len(entries) || len(s.UnreadableFiles) != len(entries) || s.Clean() {
		t.Errorf("unreadable %d (%d listed), want %d", s.Unreadable, len(s.UnreadableFiles), len(entries))
	}
	if !strings.HasPrefix(s.UnreadableFiles[0].Error, s.UnreadableFiles[0].Path+": ") {
		t.Errorf("error does not name the file: %+v", s.UnreadableFiles[0])
	}
	if _, err := Aggregate(context.Background(), []string{"testdata/nope"}, StatsOptions{}); err == nil ||
		!strings.Contains(err.Error(), "testdata/nope") {
		t.Errorf("missing dir: err %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Aggregate(ctx, []string{"testdata/fixtures"}, StatsOptions{}); err == nil {
		t.Error("cancelled context: no error")
	}
}

// TestStatsFailureAttribution: a failure is counted at its round, role and
// failing method, and its anomaly kinds are linked to the failure.
func TestStatsFailureAttribution(t *testing.T) {
	dir := t.TempDir()
	writeFixtureFile(t, dir, setup{id: "f1", multisigPre1: roleVendor, failAt: &failure{1, roleVendor, "make_multisig"},
		failCode: -28, failMsg: "This wallet is already multisig"}.build())
	writeFixtureFile(t, dir, setup{id: "s1"}.build())
	writeFixtureFile(t, dir, setup{id: "s2", mode: map[string]string{roleBuyer: "0640"}}.build())
	s, err := Aggregate(context.Background(), []string{dir}, StatsOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Files != 3 || s.Success != 2 || s.Failed != 1 {
		t.Fatalf("files %d success %d failed %d", s.Files, s.Success, s.Failed)
	}
	if s.FailuresByRound[1] != 1 || s.FailuresByRole[roleVendor] != 1 || s.FailuresByMethod["make_multisig"] != 1 {
		t.Errorf("attribution: %v %v %v", s.FailuresByRound, s.FailuresByRole, s.FailuresByMethod)
	}
	for _, k := range s.Anomalies {
		switch k.Kind {
		case KindAlreadyMultisigBeforeRound1:
			if k.FailRate != 1 || k.ShareOfFailures != 1 {
				t.Errorf("%s: %+v", k.Kind, k)
			}
		case KindInsecureWalletFile:
			if k.FailRate != 0 || k.Files != 1 {
				t.Errorf("%s: %+v", k.Kind, k)
			}
		}
	}
}

func writeFixtureFile(t testing.TB, dir string, f *escrowtrace.File) {
	t.Helper()
	b, err := f.MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "escrow_"+f.EscrowID+".json"), b, 0o644); err != nil {
		t.Fatal(err)
	}
}
