package analysis

import (
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// runGroup is one run of a phase of one side, its events in protocol order.
type runGroup struct {
	phase  escrow.Phase
	events []escrowtrace.Event
}

// sideRuns splits a timeline into its phase runs, in time order. A file of
// the setup alone is one run.
func sideRuns(tl *Timeline) []runGroup {
	if !tl.Lifecycle {
		return []runGroup{{phase: escrow.PhaseSetup, events: tl.Events}}
	}
	out := make([]runGroup, len(tl.Phases))
	for k, p := range tl.Phases {
		out[k].phase = p.Name
	}
	var stray []escrowtrace.Event // events of a phase the list does not name
	for i, k := range phaseIndexes(tl.Phases, tl.Events) {
		if k < 0 {
			stray = append(stray, tl.Events[i])
			continue
		}
		out[k].events = append(out[k].events, tl.Events[i])
	}
	for _, e := range stray {
		out = append(out, runGroup{phase: phaseOf(&e), events: []escrowtrace.Event{e}})
	}
	return out
}

// runPair is what is aligned: a run of each side (nil for none), or an
// earlier attempt of one side alone (benign).
type runPair struct {
	a, b   *runGroup
	benign bool
}

// pairRuns pairs the runs of both sides phase by phase in the lifecycle's
// order, the latest run of a phase with the other side's latest; earlier
// runs the other side lacks come first, one-sided.
func pairRuns(ra, rb []runGroup) []runPair {
	byPhase := func(runs []runGroup) map[escrow.Phase][]*runGroup {
		m := map[escrow.Phase][]*runGroup{}
		for i := range runs {
			m[runs[i].phase] = append(m[runs[i].phase], &runs[i])
		}
		return m
	}
	ma, mb := byPhase(ra), byPhase(rb)
	var phases []escrow.Phase
	seen := map[escrow.Phase]bool{}
	for _, p := range escrow.Phases {
		seen[p] = true
		phases = append(phases, p)
	}
	for _, runs := range [][]runGroup{ra, rb} {
		for _, r := range runs {
			if !seen[r.phase] {
				seen[r.phase] = true
				phases = append(phases, r.phase)
			}
		}
	}
	var out []runPair
	for _, p := range phases {
		as, bs := ma[p], mb[p]
		n := min(len(as), len(bs))
		for _, r := range as[:len(as)-n] {
			out = append(out, runPair{a: r, benign: true})
		}
		for _, r := range bs[:len(bs)-n] {
			out = append(out, runPair{b: r, benign: true})
		}
		if n == 0 && len(as)+len(bs) > 0 && (len(as) == 0) != (len(bs) == 0) {
			// A phase only one side has at all (a payout the other never
			// ran) is a real difference: not benign. It was emitted above
			// as benign; mark the latest run as real.
			out[len(out)-1].benign = false
		}
		for k := 0; k < n; k++ {
			out = append(out, runPair{a: as[len(as)-n+k], b: bs[len(bs)-n+k]})
		}
	}
	return out
}

// alignRuns puts both sides in protocol order run by run and aligns each
// pair of runs on event keys. It returns the ordered events of each side,
// their places, which of them are benign when one-sided, and the aligned
// index pairs.
func alignRuns(ta, tb *Timeline) (evA, evB []escrowtrace.Event, placesA, placesB []stepPlace, benignA, benignB []bool, pairs [][2]int) {
	for g, rp := range pairRuns(sideRuns(ta), sideRuns(tb)) {
		offA, offB := len(evA), len(evB)
		var ka, kb []escrowtrace.Event
		add := func(r *runGroup, ev *[]escrowtrace.Event, places *[]stepPlace, benign *[]bool) []escrowtrace.Event {
			if r == nil {
				return nil
			}
			events := append([]escrowtrace.Event(nil), r.events...)
			pl := canonical(events, protocolOf(r.phase, events), g)
			*ev = append(*ev, events...)
			*places = append(*places, pl...)
			for range events {
				// Another poll while waiting for funds is no difference.
				*benign = append(*benign, rp.benign || r.phase == escrow.PhaseFund)
			}
			return events
		}
		ka = add(rp.a, &evA, &placesA, &benignA)
		kb = add(rp.b, &evB, &placesB, &benignB)
		for _, p := range align(keysOf(ka), keysOf(kb)) {
			if p[0] >= 0 {
				p[0] += offA
			}
			if p[1] >= 0 {
				p[1] += offB
			}
			pairs = append(pairs, p)
		}
	}
	return evA, evB, placesA, placesB, benignA, benignB, pairs
}
