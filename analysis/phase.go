package analysis

import (
	"fmt"
	"slices"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// The lifecycle (shared/escrow-trace, "Lifecycle additions"): a file may hold
// later phases than the setup (fund, release, refund, resolve), each a root
// span of the escrow's trace, listed in the file's phases and named on each
// event. A file of the setup alone reads exactly as before: no phase appears
// in any output unless the file has a later phase.

// phaseOf is an event's phase; an event that names none belongs to the setup.
func phaseOf(e *escrowtrace.Event) escrow.Phase { return e.Phase.Of() }

// isLifecycle reports whether a file holds more than the setup: a phases list,
// or an event of another phase.
func isLifecycle(phases []escrowtrace.PhaseRecord, events []escrowtrace.Event) bool {
	if len(phases) > 0 {
		return true
	}
	for i := range events {
		if phaseOf(&events[i]) != escrow.PhaseSetup {
			return true
		}
	}
	return false
}

// phaseRecords is the file's phases list, or, for a file that names phases
// on its events but has no list, one record per phase in the order of its
// first event (outcome: the file's for the last one, success before it).
func phaseRecords(f *escrowtrace.File, events []escrowtrace.Event) []escrowtrace.PhaseRecord {
	if len(f.Phases) > 0 {
		return slices.Clone(f.Phases)
	}
	if !isLifecycle(nil, events) {
		return nil
	}
	var out []escrowtrace.PhaseRecord
	for i := range events {
		p := phaseOf(&events[i])
		if len(out) > 0 && out[len(out)-1].Name == p {
			continue
		}
		out = append(out, escrowtrace.PhaseRecord{Name: p, Outcome: escrowtrace.OutcomeSuccess, StartedAt: events[i].Time})
	}
	if len(out) > 0 {
		last := &out[len(out)-1]
		last.Outcome, last.Error = f.Outcome, f.Error
	}
	return out
}

// phaseIndexes assigns each event (in seq order) to one of the phase records:
// the latest record of the event's phase that started no later than the
// event, or the first record of that phase. An event of a phase the list
// does not name gets -1.
func phaseIndexes(phases []escrowtrace.PhaseRecord, events []escrowtrace.Event) []int {
	out := make([]int, len(events))
	for i := range events {
		e := &events[i]
		p := phaseOf(e)
		idx := -1
		for k := range phases {
			if phases[k].Name != p {
				continue
			}
			if idx < 0 || !phases[k].StartedAt.After(e.Time) {
				idx = k
			}
		}
		out[i] = idx
	}
	return out
}

// OnlyPhase is the part of a file that belongs to one phase: its events
// (with the file's seq numbers, offsets counted from the phase's start), and
// the phase's outcome, error, start and duration at the top level. When the
// phase ran more than once (a payout retried), all its runs are kept and the
// top level is the latest run's. A phase the file does not hold is an error.
func OnlyPhase(f *escrowtrace.File, phase escrow.Phase) (*escrowtrace.File, error) {
	if !phase.Valid() {
		return nil, fmt.Errorf("phase %q: not one of setup, fund, release, refund, resolve", phase)
	}
	events := NewTimeline(f).Events
	records := phaseRecords(f, events)
	if records == nil && phase == escrow.PhaseSetup {
		// A file of the setup alone is its setup.
		return f, nil
	}
	var kept []escrowtrace.PhaseRecord
	for _, r := range records {
		if r.Name == phase {
			kept = append(kept, r)
		}
	}
	if len(kept) == 0 {
		return nil, fmt.Errorf("escrow %s has no %s phase (it has %s)", f.EscrowID, phase, phaseNames(records))
	}
	first, last := kept[0], kept[len(kept)-1]
	shift := float64(first.StartedAt.Sub(f.StartedAt)) / float64(time.Millisecond)
	out := &escrowtrace.File{
		Schema: f.Schema, EscrowID: f.EscrowID, TraceID: f.TraceID, Service: f.Service,
		StartedAt: first.StartedAt, EndedAt: last.EndedAt, DurationMS: last.DurationMS,
		Outcome: last.Outcome, Error: last.Error, Phases: kept, Events: []escrowtrace.Event{},
	}
	for _, e := range events {
		if phaseOf(&e) != phase {
			continue
		}
		e.OffsetMS = max(0, e.OffsetMS-shift)
		out.Events = append(out.Events, e)
	}
	return out, nil
}

func phaseNames(records []escrowtrace.PhaseRecord) string {
	if len(records) == 0 {
		return "only the setup"
	}
	s := ""
	for i, r := range records {
		if i > 0 {
			s += ", "
		}
		s += string(r.Name)
	}
	return s
}

// phaseRank orders phases for display when a file names them without a list.
func phaseRank(p escrow.Phase) int {
	for i, k := range escrow.Phases {
		if k == p {
			return i
		}
	}
	return len(escrow.Phases)
}
