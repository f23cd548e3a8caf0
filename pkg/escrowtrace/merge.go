package escrowtrace

import (
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Merge adds one phase of an escrow to the file of its phases so far: base is
// the file as it is (nil when there is none), next is Build's file of the
// phase alone (a later phase's spans, or the setup's). The result holds every
// phase in the order they started and every event in time order, renumbered
// and placed again from the first phase's start; its top level (outcome,
// error, ended_at, duration_ms) is the latest phase's, as the contract's
// "Lifecycle additions" say. A phase already in base (same name, and the
// same start or an unfinished one: a flush wrote it incomplete) is replaced
// with its events. A result of the setup alone is a setup-only file, exactly
// as Build writes it. base and next are not changed.
//
// The otlp sections are merged as spans (a span of next replaces one of base
// with the same span ID).
func Merge(base, next *File) (*File, error) {
	if next == nil {
		return nil, errors.New("merge escrow trace: no phase to add")
	}
	if base == nil {
		return next, nil
	}
	if base.EscrowID != next.EscrowID {
		return nil, fmt.Errorf("merge escrow trace: file of escrow %s, phase of escrow %s", base.EscrowID, next.EscrowID)
	}
	if !strings.EqualFold(base.TraceID, next.TraceID) {
		return nil, fmt.Errorf("merge escrow trace %s: file of trace %s, phase of trace %s", base.EscrowID, base.TraceID, next.TraceID)
	}
	adds := phasesOf(next)
	phases := phasesOf(base)
	events := slices.Clone(base.Events)
	for _, p := range adds {
		i := slices.IndexFunc(phases, func(q PhaseRecord) bool {
			return q.Name == p.Name && (q.StartedAt.Equal(p.StartedAt) || q.Outcome == OutcomeIncomplete)
		})
		if i < 0 {
			continue
		}
		// The replaced phase's events: its name, from its start (or the
		// new one's, if earlier) until the next phase's start.
		from, until := phases[i].StartedAt, time.Time{}
		if p.StartedAt.Before(from) {
			from = p.StartedAt
		}
		if i+1 < len(phases) {
			until = phases[i+1].StartedAt
		}
		events = slices.DeleteFunc(events, func(e Event) bool {
			return e.Phase.Of() == p.Name && !e.Time.Before(from) && (until.IsZero() || e.Time.Before(until))
		})
		phases = slices.Delete(phases, i, i+1)
	}
	phases = append(phases, adds...)
	slices.SortStableFunc(phases, func(a, b PhaseRecord) int { return a.StartedAt.Compare(b.StartedAt) })
	for _, e := range next.Events {
		e.derive()
		events = append(events, e)
	}
	slices.SortStableFunc(events, func(a, b Event) int { return a.Time.Compare(b.Time) })

	f := &File{
		Schema:   Schema,
		EscrowID: base.EscrowID,
		TraceID:  base.TraceID,
		Service:  base.Service,
		Events:   events,
		Extra:    base.Extra,
	}
	if f.Service == "" {
		f.Service = next.Service
	}
	f.StartedAt = phases[0].StartedAt
	latest := phases[len(phases)-1]
	f.Outcome, f.Error, f.EndedAt, f.DurationMS = latest.Outcome, latest.Error, latest.EndedAt, latest.DurationMS
	if len(phases) > 1 || phases[0].Name != escrow.PhaseSetup {
		f.Phases = phases
	}
	for i := range f.Events {
		e := &f.Events[i]
		e.Seq = i
		e.OffsetMS = max(0, millis(e.Time.Sub(f.StartedAt)))
	}
	otlp, err := mergeOTLP(base.OTLP, next.OTLP)
	if err != nil {
		return nil, fmt.Errorf("merge escrow trace %s: %w", base.EscrowID, err)
	}
	f.OTLP = otlp
	return f, nil
}

// phasesOf is a file's phases: its list, or for a file of the setup alone
// (no list) the setup as its top level describes it. A file without a list
// whose events are all of one later phase (a flush before that phase's
// root span ended) is that phase, unfinished.
func phasesOf(f *File) []PhaseRecord {
	if len(f.Phases) > 0 {
		return slices.Clone(f.Phases)
	}
	name := escrow.PhaseSetup
	for _, e := range f.Events {
		if p := e.Phase.Of(); p != escrow.PhaseSetup {
			name = p
			break
		}
	}
	return []PhaseRecord{{Name: name, Outcome: f.Outcome, StartedAt: f.StartedAt, EndedAt: f.EndedAt, DurationMS: f.DurationMS, Error: f.Error}}
}

// mergeOTLP is base's spans with next's added (next's replacing base's of
// the same span ID), in start order; either alone when the other is empty.
func mergeOTLP(base, next []byte) ([]byte, error) {
	switch {
	case len(base) == 0:
		return next, nil
	case len(next) == 0:
		return base, nil
	}
	a, err := ParseOTLP(base)
	if err != nil {
		return nil, fmt.Errorf("otlp section of the file: %w", err)
	}
	b, err := ParseOTLP(next)
	if err != nil {
		return nil, fmt.Errorf("otlp section of the phase: %w", err)
	}
	seen := make(map[string]bool, len(b))
	for _, s := range b {
		seen[s.SpanID] = true
	}
	a = slices.DeleteFunc(a, func(s Span) bool { return seen[s.SpanID] })
	spans := append(a, b...)
	slices.SortStableFunc(spans, func(x, y Span) int {
		if c := x.Start.Compare(y.Start); c != 0 {
			return c
		}
		return strings.Compare(x.SpanID, y.SpanID)
	})
	return EncodeOTLP(spans)
}
