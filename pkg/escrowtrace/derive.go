package escrowtrace

import "github.com/escrowd/escrowd/pkg/escrow"

// derive fills in what the contract defines for an event whose file leaves
// it out: a snapshot event's round is its point's (escrow.Point.Round; the
// funding and payout points have none), and an event without a phase belongs
// to the setup. Every reader of the format (Decode, Build) calls it, so that
// a file of another producer, which may omit both, aligns and diagnoses like
// ours. A round or phase the file gives is kept as it is.
func (e *Event) derive() {
	if e.Round == 0 {
		if p, ok := escrow.PointByName(e.Type); ok {
			e.Round = int(p.Round())
		}
	}
	if e.Phase == "" {
		e.Phase = escrow.PhaseSetup
	}
}
