package main

import (
	"bytes"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

const msec = time.Millisecond

func TestUnion(t *testing.T) {
	tests := []struct {
		name string
		ivs  []interval
		want time.Duration
	}{
		{"none", nil, 0},
		{"one", []interval{{10 * msec, 30 * msec}}, 20 * msec},
		{"disjoint", []interval{{50 * msec, 60 * msec}, {0, 10 * msec}}, 20 * msec},
		{"overlapping roles", []interval{{0, 10 * msec}, {2 * msec, 12 * msec}, {1 * msec, 11 * msec}}, 12 * msec},
		{"nested", []interval{{0, 100 * msec}, {10 * msec, 20 * msec}}, 100 * msec},
		{"touching", []interval{{0, 10 * msec}, {10 * msec, 20 * msec}}, 20 * msec},
		{"inverted is ignored", []interval{{30 * msec, 20 * msec}, {0, 5 * msec}}, 5 * msec},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := union(tt.ivs); got != tt.want {
				t.Fatalf("union(%v) = %v, want %v", tt.ivs, got, tt.want)
			}
		})
	}
}

func TestCallSpanLabel(t *testing.T) {
	tests := []struct {
		c    callSpan
		want string
	}{
		{callSpan{Method: "exchange_multisig_keys", Round: escrow.Round2}, "exchange_multisig_keys (round 2)"},
		{callSpan{Method: "exchange_multisig_keys", Round: escrow.Round3}, "exchange_multisig_keys (round 3)"},
		{callSpan{Method: "is_multisig", Round: 0}, "is_multisig (reserve wallet check)"},
		{callSpan{Method: "is_multisig", Round: escrow.Round1}, "is_multisig"},
		{callSpan{Method: "store", Round: escrow.Round2}, "store"},
	}
	for _, tt := range tests {
		if got := tt.c.label(); got != tt.want {
			t.Errorf("label(%+v) = %q, want %q", tt.c, got, tt.want)
		}
	}
}

// TestProfileSetup: three roles' calls, side by side, per kind; the parts
// add up to the whole.
func TestProfileSetup(t *testing.T) {
	calls := []callSpan{
		{Method: "prepare_multisig", Round: 1, Start: 10 * msec, End: 20 * msec},
		{Method: "prepare_multisig", Round: 1, Start: 11 * msec, End: 25 * msec},
		{Method: "make_multisig", Round: 1, Start: 26 * msec, End: 100 * msec},
		{Method: "store", Round: 1, Start: 100 * msec, End: 150 * msec},
		{Method: "exchange_multisig_keys", Round: 2, Start: 160 * msec, End: 200 * msec},
	}
	got := profileSetup(calls, 230*msec)
	want := map[string]time.Duration{
		"prepare_multisig":                 15 * msec,
		"make_multisig":                    74 * msec,
		"store":                            50 * msec,
		"exchange_multisig_keys (round 2)": 40 * msec,
		spanBefore:                         10 * msec,
		spanAfter:                          30 * msec,
		spanBetween:                        11 * msec, // 25..26 and 150..160
		spanTotal:                          230 * msec,
	}
	if len(got) != len(want) {
		t.Fatalf("profile %v, want %v", got, want)
	}
	var parts time.Duration
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s = %v, want %v", k, got[k], v)
		}
		if k != spanTotal {
			parts += got[k]
		}
	}
	if parts != 230*msec {
		t.Errorf("parts add up to %v, want the whole 230ms", parts)
	}
	if p := profileSetup(nil, time.Second); p[spanBetween] != time.Second || p[spanTotal] != time.Second {
		t.Errorf("no calls: %v", p)
	}
}

func TestMedianProfile(t *testing.T) {
	ps := []map[string]time.Duration{
		{"store": 10 * msec, "create_wallet": 3 * msec},
		{"store": 30 * msec},
		{"store": 20 * msec},
	}
	got := medianProfile(ps)
	if got["store"] != 20*msec || got["create_wallet"] != 0 {
		t.Fatalf("medianProfile = %v, want store 20ms, create_wallet 0 (missing twice)", got)
	}
}

func TestSummarizeSample(t *testing.T) {
	tests := []struct {
		name             string
		secs             []float64
		floor            float64
		p50, p95, lo, hi float64
		ratio            float64
	}{
		{"empty", nil, 3, 0, 0, 0, 0, 0},
		{"no floor", []float64{4, 2, 3}, 0, 3, 4, 2, 4, 0},
		{"against the floor", []float64{4, 2, 3, 5}, 2, 3, 5, 2, 5, 1.5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := summarizeSample("x", tt.secs, tt.floor)
			if s.P50S != tt.p50 || s.P95S != tt.p95 || s.MinS != tt.lo || s.MaxS != tt.hi || s.Ratio != tt.ratio {
				t.Fatalf("got %+v, want p50 %v p95 %v min %v max %v ratio %v", s, tt.p50, tt.p95, tt.lo, tt.hi, tt.ratio)
			}
		})
	}
}

func TestPairRatios(t *testing.T) {
	got := pairRatios([]float64{4, 0, 6, 8}, []float64{2, 3, 0, 4, 9})
	want := []float64{2, 2} // run 2 has no warm, run 3 no floor, run 5 nothing to pair with
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("pairRatios = %v, want %v", got, want)
	}
}

func TestWarmth(t *testing.T) {
	for adopted, want := range map[int]string{0: "cold", 1: "partly warm", 2: "partly warm", 3: "warm"} {
		if got := warmth(adopted); got != want {
			t.Errorf("warmth(%d) = %q, want %q", adopted, got, want)
		}
	}
}

func TestAdopted(t *testing.T) {
	res := multisig.Result{Wallets: map[escrow.Role]string{
		escrow.Buyer: "reserve_00ff", escrow.Vendor: "escrow_x_vendor", escrow.Arbiter: "reserve_11aa"}}
	if got := adopted(res); got != 2 {
		t.Fatalf("adopted = %d, want 2", got)
	}
	if got := adopted(multisig.Result{}); got != 0 {
		t.Fatalf("adopted of a failed setup = %d, want 0", got)
	}
}

func TestOthersOf(t *testing.T) {
	got := othersOf([]string{"a", "b", "c"}, 1)
	if len(got) != 2 || got[0] != "a" || got[1] != "c" {
		t.Fatalf("othersOf = %v, want [a c]", got)
	}
}

// TestPrintReserveGolden renders a fixed result and compares it with
// testdata/reserve.golden.
func TestPrintReserveGolden(t *testing.T) {
	floor := summarizeSample("(a) kex floor", []float64{3.2, 3.4, 3.6}, 0)
	floor.Ratio = 1
	r := reserveResult{
		Scenario:       "reserve",
		Runs:           3,
		Floor:          floor,
		FloorNoPrepare: summarizeSample("(a') without prepare", []float64{3.1, 3.3, 3.5}, floor.P50S),
		Warm:           summarizeSample("(b) warm", []float64{3.9, 4.1, 4.4}, floor.P50S),
		Cold:           summarizeSample("(c) cold", []float64{8.1, 8.5, 9.0}, floor.P50S),
		WarmPairRatio:  1.2,
		ColdPairRatio:  2.5,
		Refill:         summarizeSample("refill", []float64{10.5, 11, 12}, 0),
		FloorCPU:       sample{Name: "(a) kex floor", Secs: []float64{3, 3.1, 3.2}, P50S: 3.1, MinS: 3, MaxS: 3.2, Ratio: 1},
		WarmCPU:        summarizeSample("(b) warm", []float64{3.3, 3.4, 3.5}, 3.1),
		ColdCPU:        summarizeSample("(c) cold", []float64{13, 14, 15}, 3.1),
		Stats:          multisig.ReserveStats{Ready: 3, Created: 12, Hits: 12},
		Failures:       1,
		Errors:         []string{"cold escrow x: make_multisig (round 1): boom"},
		ProfileKex:     map[string]time.Duration{"make_multisig": 700 * msec, spanTotal: 3400 * msec},
		ProfileWarm:    map[string]time.Duration{"make_multisig": 750 * msec, "store": 300 * msec, spanTotal: 4100 * msec},
		ProfileCold:    map[string]time.Duration{"create_wallet": 4000 * msec, "make_multisig": 760 * msec, spanTotal: 8500 * msec},
		Bursts: []burstResult{{
			Size: 3, FillS: 10.2, FullAfterEndS: 9.5, FullAfterStartS: 20.1, WallS: 10.6,
			Stats: multisig.ReserveStats{Ready: 0, Created: 6, Hits: 3, Misses: 3},
			Escrows: []burstEscrow{
				{ID: "e1", Adopted: 3, Secs: 5.5, Complete: true},
				{ID: "e2", Adopted: 0, Secs: 10.6, Complete: true},
				{ID: "e3", Adopted: 1, Secs: 9.0, Complete: true},
				{ID: "e4", Adopted: 0, Secs: 2.0, Err: "lease: context deadline exceeded"},
			},
		}},
	}
	var got bytes.Buffer
	printReserve(&got, r)
	golden := filepath.Join("testdata", "reserve.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("table differs from %s (rerun with -update after checking):\n%s", golden, got.String())
	}
}
