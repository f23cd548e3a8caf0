package main

import (
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// This file holds the pure parts of the reserve scenario: summaries of the
// samples, the per-call profile of a setup, and the markdown tables.

// sample summarises one kind of timed run.
type sample struct {
	Name  string    `json:"name"`
	Secs  []float64 `json:"s"`
	P50S  float64   `json:"p50_s"`
	P95S  float64   `json:"p95_s"`
	MinS  float64   `json:"min_s"`
	MaxS  float64   `json:"max_s"`
	Ratio float64   `json:"p50_over_floor_p50,omitempty"`
}

// summarize fills the percentiles (nearest rank, as the concurrency table)
// and, with floorP50 > 0, the ratio of the p50 to it.
func summarizeSample(name string, secs []float64, floorP50 float64) sample {
	s := sample{Name: name, Secs: secs}
	ds := make([]time.Duration, len(secs))
	for i, x := range secs {
		ds[i] = time.Duration(x * float64(time.Second))
	}
	s.P50S, s.P95S = percentile(ds, 50).Seconds(), percentile(ds, 95).Seconds()
	s.MinS, s.MaxS = minOf(secs), maxOfF(secs)
	if floorP50 > 0 && len(secs) > 0 {
		s.Ratio = s.P50S / floorP50
	}
	return s
}

// pairRatios is xs[i]/floor[i] for every run where both were measured (> 0):
// each run's setups against the floor measured next to them, which cancels
// most of the drift in the machine's load.
func pairRatios(xs, floor []float64) []float64 {
	var out []float64
	for i := range min(len(xs), len(floor)) {
		if xs[i] > 0 && floor[i] > 0 {
			out = append(out, xs[i]/floor[i])
		}
	}
	return out
}

// callSpan is one wallet RPC call of a setup, relative to the setup's start.
type callSpan struct {
	Method     string
	Round      escrow.Round
	Start, End time.Duration
}

// label names the span's row in the profile: exchanges by round, the
// is_multisig that checks an adopted reserve wallet apart from the checks
// after each step.
func (c callSpan) label() string {
	switch {
	case c.Method == "exchange_multisig_keys":
		return fmt.Sprintf("exchange_multisig_keys (round %d)", int(c.Round))
	case c.Method == "is_multisig" && c.Round == 0:
		return "is_multisig (reserve wallet check)"
	}
	return c.Method
}

type interval struct{ start, end time.Duration }

// union is the total length covered by at least one of ivs.
func union(ivs []interval) time.Duration {
	s := slices.Clone(ivs)
	slices.SortFunc(s, func(a, b interval) int { return int(a.start - b.start) })
	var total time.Duration
	var cur interval
	open := false
	for _, iv := range s {
		if iv.end < iv.start {
			continue
		}
		switch {
		case !open:
			cur, open = iv, true
		case iv.start <= cur.end:
			cur.end = max(cur.end, iv.end)
		default:
			total += cur.end - cur.start
			cur = iv
		}
	}
	if open {
		total += cur.end - cur.start
	}
	return total
}

// Rows of a setup's profile that are not one kind of call.
const (
	spanBefore  = "before the first call (lease, reserve take)"
	spanAfter   = "after the last call (close_wallet with save, lease release)"
	spanBetween = "between calls (coordination, skew between roles)"
	spanTotal   = "whole setup"
)

// profileSetup splits one setup of length total into the wall time during
// which at least one call of each kind was in flight (the three roles run
// side by side: that is what the setup waits for), the time before the first
// and after the last call, and the rest. The parts add up to total as long
// as different kinds of call do not overlap (a setup's phases end for all
// roles before the next begins; only a role's own calls follow each other).
func profileSetup(calls []callSpan, total time.Duration) map[string]time.Duration {
	out := map[string]time.Duration{spanTotal: total}
	if len(calls) == 0 {
		out[spanBetween] = total
		return out
	}
	byLabel := map[string][]interval{}
	all := make([]interval, 0, len(calls))
	first, last := calls[0].Start, calls[0].End
	for _, c := range calls {
		iv := interval{c.Start, c.End}
		byLabel[c.label()] = append(byLabel[c.label()], iv)
		all = append(all, iv)
		first, last = min(first, c.Start), max(last, c.End)
	}
	for l, ivs := range byLabel {
		out[l] = union(ivs)
	}
	out[spanBefore] = first
	out[spanAfter] = max(total-last, 0)
	out[spanBetween] = max(last-first-union(all), 0)
	return out
}

// medianProfile is, per row, the median over setups (a row missing from a
// setup counts as 0 there).
func medianProfile(ps []map[string]time.Duration) map[string]time.Duration {
	keys := map[string]bool{}
	for _, p := range ps {
		for k := range p {
			keys[k] = true
		}
	}
	out := map[string]time.Duration{}
	for k := range keys {
		ds := make([]time.Duration, len(ps))
		for i, p := range ps {
			ds[i] = p[k]
		}
		out[k] = medianDuration(ds)
	}
	return out
}

// profileRows is the order of the profile table; rows absent from every
// profile are left out.
var profileRows = []string{
	"create_wallet",
	"is_multisig (reserve wallet check)",
	"prepare_multisig",
	"make_multisig",
	"exchange_multisig_keys (round 2)",
	"exchange_multisig_keys (round 3)",
	"store",
	"is_multisig",
	"get_address",
	spanBefore,
	spanAfter,
	spanBetween,
	spanTotal,
}

// burstEscrow is one escrow of a burst.
type burstEscrow struct {
	ID       string  `json:"id"`
	Adopted  int     `json:"roles_from_reserve"`
	Secs     float64 `json:"s"`
	Err      string  `json:"error,omitempty"`
	Complete bool    `json:"ok"`
}

// warmth classes an escrow by how many of its roles had a reserve wallet.
func warmth(adopted int) string {
	switch adopted {
	case escrow.Participants:
		return "warm"
	case 0:
		return "cold"
	}
	return "partly warm"
}

// burstResult is one burst of escrows at once against a reserve.
type burstResult struct {
	Size    int           `json:"reserve_size"`
	Escrows []burstEscrow `json:"escrows"`
	// FillS is how long the reserve took to fill before the burst.
	FillS float64 `json:"fill_s"`
	// Stats are the reserve's counters during the burst (hits, misses,
	// wallets created) and Ready when its last escrow ended.
	Stats multisig.ReserveStats `json:"stats"`
	// FullAfterEndS is from the burst's last escrow ending until the reserve
	// was full again; FullAfterStartS from the burst's start.
	FullAfterEndS   float64 `json:"full_again_after_end_s"`
	FullAfterStartS float64 `json:"full_again_after_start_s"`
	WallS           float64 `json:"wall_s"`
}

// reserveResult is the whole reserve scenario.
type reserveResult struct {
	Scenario string `json:"scenario"`
	Runs     int    `json:"runs"`
	// Floor is the key exchange alone (prepare_multisig, make_multisig and
	// two exchange_multisig_keys, each round's three calls at once, bare
	// client); FloorNoPrepare the same without prepare_multisig.
	Floor          sample  `json:"floor"`
	FloorNoPrepare sample  `json:"floor_no_prepare"`
	Warm           sample  `json:"warm"`
	Cold           sample  `json:"cold"`
	WarmPairRatio  float64 `json:"warm_over_floor_median_of_runs"`
	ColdPairRatio  float64 `json:"cold_over_floor_median_of_runs"`
	// Refill is the time the reserve took to be full again after each warm
	// escrow, with the machine otherwise idle (of this benchmark).
	Refill sample `json:"refill"`
	// FloorCPU, WarmCPU and ColdCPU are the three servers' CPU seconds per
	// timed part, of the runs where all three kinds succeeded.
	FloorCPU    sample                   `json:"floor_server_cpu"`
	WarmCPU     sample                   `json:"warm_server_cpu"`
	ColdCPU     sample                   `json:"cold_server_cpu"`
	Stats       multisig.ReserveStats    `json:"stats"`
	Failures    int                      `json:"failures"`
	Errors      []string                 `json:"errors,omitempty"`
	ProfileWarm map[string]time.Duration `json:"profile_warm_ns"`
	ProfileCold map[string]time.Duration `json:"profile_cold_ns"`
	ProfileKex  map[string]time.Duration `json:"profile_floor_ns"`
	Bursts      []burstResult            `json:"bursts"`
}

func fmtRatio(r float64) string {
	if r == 0 {
		return "–"
	}
	return fmt.Sprintf("%.2f", r)
}

func ms(d time.Duration, ok bool) string {
	if !ok {
		return "–"
	}
	return fmt.Sprintf("%.0f", float64(d)/float64(time.Millisecond))
}

// printReserve writes the scenario's markdown tables.
func printReserve(w io.Writer, r reserveResult) {
	fmt.Fprintf(w, "\n| setup | runs | p50 (s) | p95 (s) | min (s) | max (s) | p50 / floor p50 | median of per-run ratios to the floor |\n|%s\n", strings.Repeat("---|", 8))
	rows := []struct {
		s    sample
		pair float64
	}{{r.Floor, 1}, {r.FloorNoPrepare, 0}, {r.Warm, r.WarmPairRatio}, {r.Cold, r.ColdPairRatio}}
	for _, row := range rows {
		ratio := row.s.Ratio
		if row.s.Name == r.Floor.Name {
			ratio = 1
		}
		fmt.Fprintf(w, "| %s | %d | %.3f | %.3f | %.3f | %.3f | %s | %s |\n", row.s.Name, len(row.s.Secs),
			row.s.P50S, row.s.P95S, row.s.MinS, row.s.MaxS, fmtRatio(ratio), fmtRatio(row.pair))
	}
	fmt.Fprintf(w, "\nreserve (3 wallets), sequential escrows: hits %d, misses %d, created %d, failed creations %d; full again after a warm escrow: p50 %.2f s, max %.2f s; failures: %d\n",
		r.Stats.Hits, r.Stats.Misses, r.Stats.Created, r.Stats.Failed, r.Refill.P50S, r.Refill.MaxS, r.Failures)
	for _, e := range r.Errors {
		fmt.Fprintf(w, "- %s\n", e)
	}

	fmt.Fprintf(w, "\nThe servers' CPU time per timed part (utime+stime of the three servers; the work done, which load stretches much less than wall time)\n\n")
	fmt.Fprintf(w, "| setup | runs | server CPU p50 (s) | min (s) | max (s) | p50 / floor p50 |\n|---|---|---|---|---|---|\n")
	for _, s := range []sample{r.FloorCPU, r.WarmCPU, r.ColdCPU} {
		fmt.Fprintf(w, "| %s | %d | %.2f | %.2f | %.2f | %s |\n", s.Name, len(s.Secs), s.P50S, s.MinS, s.MaxS, fmtRatio(s.Ratio))
	}

	fmt.Fprintf(w, "\nWhere a setup's time goes: medians per setup of the wall time with at least one such call in flight (ms)\n\n")
	fmt.Fprintf(w, "| span | kex floor | escrow, warm reserve | escrow, no reserve |\n|---|---|---|---|\n")
	for _, row := range profileRows {
		k, kok := r.ProfileKex[row]
		wv, wok := r.ProfileWarm[row]
		c, cok := r.ProfileCold[row]
		if !kok && !wok && !cok {
			continue
		}
		fmt.Fprintf(w, "| %s | %s | %s | %s |\n", row, ms(k, kok), ms(wv, wok), ms(c, cok))
	}

	if len(r.Bursts) == 0 {
		return
	}
	fmt.Fprintf(w, "\nDemand outrunning the reserve: escrows started at once against a full reserve\n\n")
	fmt.Fprintf(w, "| burst | reserve size | escrows at once | warm (3/3 from reserve): n, p50 (s) | partly warm: n, p50 (s) | cold: n, p50 (s) | failures | hits | misses | wallets created (burst and refill) | fill before (s) | full again after the last escrow (s) | after the burst's start (s) |\n|%s\n", strings.Repeat("---|", 13))
	for i, b := range r.Bursts {
		byClass := map[string][]time.Duration{}
		failed := 0
		for _, e := range b.Escrows {
			if !e.Complete {
				failed++
				continue
			}
			c := warmth(e.Adopted)
			byClass[c] = append(byClass[c], time.Duration(e.Secs*float64(time.Second)))
		}
		cls := func(c string) string {
			ds := byClass[c]
			if len(ds) == 0 {
				return "0"
			}
			return fmt.Sprintf("%d, %.2f", len(ds), percentile(ds, 50).Seconds())
		}
		fmt.Fprintf(w, "| %d | %d | %d | %s | %s | %s | %d | %d | %d | %d | %.1f | %.1f | %.1f |\n",
			i+1, b.Size, len(b.Escrows), cls("warm"), cls("partly warm"), cls("cold"), failed,
			b.Stats.Hits, b.Stats.Misses, b.Stats.Created, b.FillS, b.FullAfterEndS, b.FullAfterStartS)
	}
	fmt.Fprintf(w, "\n| burst | escrow | roles from reserve | setup (s) |\n|---|---|---|---|\n")
	for i, b := range r.Bursts {
		for j, e := range b.Escrows {
			roles, d := fmt.Sprintf("%d (%s)", e.Adopted, warmth(e.Adopted)), fmt.Sprintf("%.2f", e.Secs)
			if !e.Complete {
				roles, d = "–", fmt.Sprintf("failed after %.2f s: %s", e.Secs, e.Err)
			}
			fmt.Fprintf(w, "| %d | %d | %s | %s |\n", i+1, j+1, roles, d)
		}
	}
}
