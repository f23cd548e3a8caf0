package analysis

import (
	"math"
	"strconv"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// deltaNoticeMS is the timing change the diff page highlights: below it, two
// runs of the same setup differ by noise (a call of 10-20 ms, scheduling).
const deltaNoticeMS = 100

// diffPage is the diff template's data.
type diffPage struct {
	Title, IndexURL string
	A, B            htmlSide
	Identical       bool
	StepCount       int
	First           *htmlDivergence
	Steps           []htmlStep
}

type htmlSide struct {
	Name, EscrowID, Href, JaegerHref string
	Outcome, OutcomeText             string
	Events                           int
	Timeline                         htmlTimeline
	Zoom                             *htmlTimeline
}

type htmlDivergence struct {
	Index      int
	AKey, BKey string
	Reason     string
}

// htmlStep is one aligned step. Status is the step's state in words.
type htmlStep struct {
	ID, Class, Status       string
	Index                   int
	First                   bool
	A, B                    *htmlStepEvent
	OffsetDelta             string
	OffsetJump              bool
	CallDelta, CallDeltaDir string
	CallDeltaBig            bool
	Fields                  []FieldDiff
}

type htmlStepEvent struct {
	Seq                 int
	Offset, Type, Role  string
	Round, Method, Mark string
	MarkText, Details   string
}

func newDiffPage(d *Diff, opts HTMLOptions) *diffPage {
	p := &diffPage{
		Title: opts.Title, IndexURL: opts.IndexURL,
		Identical: d.Identical, StepCount: len(d.Steps),
	}
	if p.Title == "" {
		p.Title = "diff " + d.A.EscrowID + " vs " + d.B.EscrowID
	}
	if d.First != nil {
		p.First = &htmlDivergence{Index: d.First.Index, AKey: keyOrNone(d.First.A), BKey: keyOrNone(d.First.B), Reason: d.First.Reason}
	}

	// Each side's events, in order, are the non-empty cells of its column.
	var evA, evB []escrowtrace.Event
	stepOfA, stepOfB := map[int]string{}, map[int]string{}
	flagA, flagB := map[int][]string{}, map[int][]string{}
	prevOffDelta := 0.0
	for _, s := range d.Steps {
		h := newStep(s, d.First)
		if s.A != nil {
			evA = append(evA, *s.A)
			stepOfA[s.A.Seq] = "#" + h.ID
		}
		if s.B != nil {
			evB = append(evB, *s.B)
			stepOfB[s.B.Seq] = "#" + h.ID
		}
		// One-sided steps are plain from the other lane's emptiness; marking
		// every one would bury the steps that differ in place.
		if s.A != nil && s.B != nil && h.Status != "same" {
			if s.A != nil {
				flagA[s.A.Seq] = append(flagA[s.A.Seq], "step #"+strconv.Itoa(s.Index)+": "+h.Status)
			}
			if s.B != nil {
				flagB[s.B.Seq] = append(flagB[s.B.Seq], "step #"+strconv.Itoa(s.Index)+": "+h.Status)
			}
		}
		// Where B gained or lost time against A shows as a jump of the
		// offset delta, not as its (accumulated) value.
		if s.OffsetDeltaMS != nil {
			h.OffsetJump = math.Abs(*s.OffsetDeltaMS-prevOffDelta) >= deltaNoticeMS
			prevOffDelta = *s.OffsetDeltaMS
		}
		p.Steps = append(p.Steps, h)
	}

	span := math.Max(timelineSpan(nil, evA), timelineSpan(nil, evB))
	var marksA, marksB []markAt
	if d.First != nil {
		label := "first divergence (step #" + strconv.Itoa(d.First.Index) + ")"
		if d.First.A != nil {
			marksA = append(marksA, markAt{class: "divergence-mark", label: label, href: "#divergence", offsetMS: d.First.A.OffsetMS})
		}
		if d.First.B != nil {
			marksB = append(marksB, markAt{class: "divergence-mark", label: label, href: "#divergence", offsetMS: d.First.B.OffsetMS})
		}
	}
	start, zoom := zoomStart(span, evA, evB)
	p.A = newSide("A", d.A, opts, timelineInput{
		label: "A: escrow " + d.A.EscrowID, side: "a", events: evA, spanMS: span,
		href: stepHref(stepOfA), flagged: flagA, marks: marksA,
	}, start, zoom)
	p.B = newSide("B", d.B, opts, timelineInput{
		label: "B: escrow " + d.B.EscrowID, side: "b", events: evB, spanMS: span,
		href: stepHref(stepOfB), flagged: flagB, marks: marksB,
	}, start, zoom)
	// A divergence in a later phase than the setup (a payout) is drawn again
	// on that phase's own time, on each side: on the escrows' whole clock a
	// payout of a second is a sliver.
	if d.First != nil {
		var at *escrowtrace.Event
		if at = d.First.A; at == nil {
			at = d.First.B
		}
		if ph := phaseOf(at); ph != escrow.PhaseSetup {
			p.A.Zoom = phaseZoom(timelineInput{label: "A: escrow " + d.A.EscrowID, side: "a", href: stepHref(stepOfA), flagged: flagA, marks: marksA}, evA, ph)
			p.B.Zoom = phaseZoom(timelineInput{label: "B: escrow " + d.B.EscrowID, side: "b", href: stepHref(stepOfB), flagged: flagB, marks: marksB}, evB, ph)
		}
	}
	return p
}

// phaseZoom draws one side's events of a phase on that phase's time; nil
// when the side has none.
func phaseZoom(in timelineInput, events []escrowtrace.Event, ph escrow.Phase) *htmlTimeline {
	lo, hi := math.Inf(1), math.Inf(-1)
	for i := range events {
		if phaseOf(&events[i]) == ph {
			in.events = append(in.events, events[i])
			lo, hi = math.Min(lo, events[i].OffsetMS), math.Max(hi, events[i].OffsetMS)
		}
	}
	if len(in.events) == 0 {
		return nil
	}
	in.startMS, in.spanMS = math.Max(0, lo-0.01*(hi-lo)), math.Max(hi, lo+1)
	in.label += " (the " + string(ph) + " alone)"
	in.caption = string(ph) + " alone: from +" + fmtMS(in.startMS) + " to +" + fmtMS(in.spanMS)
	tl := buildTimeline(in)
	return &tl
}

// Sides is A then B, for the summary table.
func (p *diffPage) Sides() []htmlSide { return []htmlSide{p.A, p.B} }

func newSide(name string, s DiffSide, opts HTMLOptions, in timelineInput, start float64, zoom bool) htmlSide {
	h := htmlSide{
		Name: name, EscrowID: s.EscrowID, Outcome: s.Outcome, Events: s.Events,
		JaegerHref: jaegerTraceURL(opts.JaegerURL, s.TraceID),
		Timeline:   buildTimeline(in),
		Zoom:       zoomed(in, start, zoom),
	}
	h.OutcomeText, _ = outcomeWords(s.Outcome, nil)
	if opts.Links != nil && escrow.ValidID(s.EscrowID) {
		h.Href = opts.Links(s.EscrowID)
	}
	return h
}

func stepHref(steps map[int]string) func(int) string {
	return func(seq int) string { return steps[seq] }
}

func newStep(s DiffStep, first *Divergence) htmlStep {
	h := htmlStep{Index: s.Index, ID: "step-" + strconv.Itoa(s.Index), A: stepEvent(s.A), B: stepEvent(s.B), Fields: s.Fields}
	switch {
	case s.A == nil:
		h.Status, h.Class = "only in B", "only-b"
	case s.B == nil:
		h.Status, h.Class = "only in A", "only-a"
	case !s.Match:
		h.Status, h.Class = "differs", "mismatch"
	case len(s.Fields) > 0:
		h.Status, h.Class = "fields differ", "fields"
	default:
		h.Status, h.Class = "same", "same"
	}
	if first != nil && first.Index == s.Index {
		h.First, h.ID = true, "divergence"
		h.Class += " divergence"
	}
	if s.OffsetDeltaMS != nil {
		h.OffsetDelta = signedMS(*s.OffsetDeltaMS)
	}
	if s.DurationDeltaMS != nil {
		dd := *s.DurationDeltaMS
		h.CallDelta = signedMS(dd)
		if math.Abs(dd) >= deltaNoticeMS {
			h.CallDeltaBig = true
			h.CallDeltaDir = "▲ slower"
			if dd < 0 {
				h.CallDeltaDir = "▼ faster"
			}
		}
	}
	return h
}

func stepEvent(e *escrowtrace.Event) *htmlStepEvent {
	if e == nil {
		return nil
	}
	h := &htmlStepEvent{
		Seq: e.Seq, Offset: "+" + fmtMS(e.OffsetMS), Type: e.Type, Role: e.Role, Method: e.Method,
		Details: detailsOnly(e),
	}
	if e.Round != 0 {
		h.Round = strconv.Itoa(e.Round)
	}
	h.Mark, h.MarkText = markWords(e)
	return h
}
