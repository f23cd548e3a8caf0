package analysis

import (
	"strconv"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// The escrow page's lifecycle parts, for a file that holds more than the
// setup: the phases, a timeline over the whole lifecycle (a stretch of axis
// per phase run), each payout run drawn on its own, the balance of each
// wallet at each funding and payout snapshot, and each payout's steps.

type htmlLifecycle struct {
	Phases   []htmlPhaseRow
	Funded   string
	Balances []htmlBalanceRow
	Payouts  []htmlPayout
	Zooms    []htmlTimeline
	Roles    []string
}

type htmlPhaseRow struct {
	Name, Outcome, OutcomeText    string
	Started, Duration             string
	Events, Calls, Errors         int
	RootCause, Error, Href, Label string
}

type htmlBalanceRow struct {
	Phase, Point, PointName string
	Cells                   []htmlBalanceCell
}

type htmlBalanceCell struct {
	Role                     string
	Empty                    bool
	Href                     string
	Seq                      int
	Balance, Unlocked        string
	ImportNeeded, Height     string
	Zero, Needed, HasUnlocks bool
}

type htmlPayout struct {
	Phase, Outcome, Signers, Builder string
	Steps                            []htmlStepRow
}

type htmlStepRow struct {
	Name, Call string
	Cells      []htmlStepCell
}

type htmlStepCell struct {
	Role, Status, Text, Href string
}

// lifecycleSpans are the phase runs on the escrow's clock.
func lifecycleSpans(tl *Timeline) []phaseSpan {
	idx := phaseIndexes(tl.Phases, tl.Events)
	last := make([]float64, len(tl.Phases))
	for i, k := range idx {
		if k >= 0 {
			last[k] = max(last[k], tl.Events[i].OffsetMS)
		}
	}
	out := make([]phaseSpan, len(tl.Phases))
	for k, p := range tl.Phases {
		start := ms(p.StartedAt.Sub(tl.StartedAt))
		end := last[k]
		if p.EndedAt != nil {
			end = max(end, ms(p.EndedAt.Sub(tl.StartedAt)))
		}
		out[k] = phaseSpan{name: string(p.Name), outcome: p.Outcome, startMS: max(0, start), endMS: max(start, end)}
	}
	return out
}

func newHTMLLifecycle(a *Analysis, in timelineInput) *htmlLifecycle {
	lc, tl := a.Lifecycle, a.Timeline
	h := &htmlLifecycle{}
	for _, r := range escrow.Roles {
		h.Roles = append(h.Roles, string(r))
	}
	if lc.Funded != nil {
		h.Funded = strconv.FormatUint(*lc.Funded, 10)
	}
	spans := lifecycleSpans(tl)
	idx := phaseIndexes(tl.Phases, tl.Events)
	for k, p := range lc.Phases {
		row := htmlPhaseRow{
			Name: string(p.Name), Outcome: p.Outcome, OutcomeText: outcomeMark(p.Outcome) + " " + p.Outcome,
			Events: p.Events, Calls: p.Calls, Errors: p.Errors, RootCause: string(p.RootCause),
		}
		if !p.StartedAt.IsZero() {
			row.Started = p.StartedAt.UTC().Format(time.RFC3339)
		}
		if p.DurationMS != nil {
			row.Duration = fmtMS(*p.DurationMS)
		}
		if p.Error != nil {
			row.Error = strTrimIn(failureWords(p.Error))
		}
		if p.FirstSeq >= 0 {
			row.Href, row.Label = eventHref(p.FirstSeq), "#"+strconv.Itoa(p.FirstSeq)
		}
		h.Phases = append(h.Phases, row)

		// Balances: one row per funding or payout point of the run.
		var points []escrow.Point
		byPoint := map[escrow.Point]map[string]*LifecycleSnapshot{}
		for i := range p.Snapshots {
			s := &p.Snapshots[i]
			if byPoint[s.Point] == nil {
				byPoint[s.Point] = map[string]*LifecycleSnapshot{}
				points = append(points, s.Point)
			}
			if byPoint[s.Point][s.Role] == nil {
				byPoint[s.Point][s.Role] = s
			}
		}
		for _, pt := range points {
			br := htmlBalanceRow{Phase: string(p.Name), Point: pt.Name(), PointName: pt.Short() + " (" + payoutPointLabel(pt) + ")"}
			for _, r := range escrow.Roles {
				s := byPoint[pt][string(r)]
				if s == nil {
					br.Cells = append(br.Cells, htmlBalanceCell{Role: string(r), Empty: true})
					continue
				}
				sn := s.Snapshot
				c := htmlBalanceCell{
					Role: string(r), Href: eventHref(s.Seq), Seq: s.Seq, Balance: optUint(sn.Balance),
					Unlocked: optUint(sn.UnlockedBalance), ImportNeeded: optBool(sn.MultisigImportNeeded), Height: optUint(sn.Height),
					Zero:   sn.Balance != nil && *sn.Balance == 0 && pt != escrow.PointPayoutFinal,
					Needed: sn.MultisigImportNeeded != nil && *sn.MultisigImportNeeded && pt == escrow.PointPostSync,
				}
				c.HasUnlocks = sn.UnlockedBalance != nil && (sn.Balance == nil || *sn.UnlockedBalance != *sn.Balance)
				br.Cells = append(br.Cells, c)
			}
			h.Balances = append(h.Balances, br)
		}

		if len(p.Steps) == 0 {
			continue
		}
		pay := htmlPayout{Phase: string(p.Name), Outcome: p.Outcome, Signers: joinComma(p.Signers), Builder: p.Signers[0]}
		for _, st := range p.Steps {
			sr := htmlStepRow{Name: st.Name, Call: st.Call}
			for _, c := range st.Cells {
				hc := htmlStepCell{Role: c.Role, Status: string(c.Status), Text: stepCellPlain(c, st.Call)}
				if c.Status == StepNone {
					hc.Status, hc.Text = "none", "—"
				}
				if c.Seq >= 0 {
					hc.Href = eventHref(c.Seq)
				}
				if c.Status == StepSkipped {
					hc.Text = "skipped: no " + st.Call + " call"
				}
				sr.Cells = append(sr.Cells, hc)
			}
			pay.Steps = append(pay.Steps, sr)
		}
		h.Payouts = append(h.Payouts, pay)

		// The payout run alone, on its own time axis.
		var events []escrowtrace.Event
		for i, kk := range idx {
			if kk == k {
				events = append(events, tl.Events[i])
			}
		}
		z := in
		z.events, z.phases = events, nil
		z.startMS, z.spanMS = spans[k].startMS, max(spans[k].endMS, spans[k].startMS+1)
		z.label = "Timeline of the " + string(p.Name) + " (run " + strconv.Itoa(k+1) + " of the lifecycle): one lane per role"
		z.caption = string(p.Name) + " (" + p.Outcome + ") drawn alone: from +" + fmtMS(z.startMS) + " to +" + fmtMS(z.spanMS)
		h.Zooms = append(h.Zooms, buildTimeline(z))
	}
	return h
}

func strTrimIn(s string) string {
	if len(s) > 4 && s[:4] == " in " {
		return s[4:]
	}
	if len(s) > 2 && s[:2] == ": " {
		return s[2:]
	}
	return s
}

func joinComma(xs []string) string {
	s := ""
	for i, x := range xs {
		if i > 0 {
			s += ", "
		}
		s += x
	}
	return s
}
