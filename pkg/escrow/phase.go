package escrow

// Phase is a stage of an escrow's lifecycle. Each phase is a root span of the
// escrow's one trace, and an event of the trace file without a phase belongs to
// PhaseSetup (shared/escrow-trace, "Lifecycle additions").
type Phase string

// The lifecycle phases. A payout is exactly one of release, refund or resolve.
const (
	PhaseSetup   Phase = "setup"
	PhaseFund    Phase = "fund"
	PhaseRelease Phase = "release"
	PhaseRefund  Phase = "refund"
	PhaseResolve Phase = "resolve"
)

// Phases lists the phases in the order an escrow can pass them.
var Phases = [...]Phase{PhaseSetup, PhaseFund, PhaseRelease, PhaseRefund, PhaseResolve}

// Valid reports whether p is one of the lifecycle phases.
func (p Phase) Valid() bool {
	for _, k := range Phases {
		if k == p {
			return true
		}
	}
	return false
}

// IsPayout reports whether p pays the escrow's funds out (release, refund, resolve).
func (p Phase) IsPayout() bool {
	return p == PhaseRelease || p == PhaseRefund || p == PhaseResolve
}

// Of returns p, or PhaseSetup when p is empty: the phase of a file event that
// names none.
func (p Phase) Of() Phase {
	if p == "" {
		return PhaseSetup
	}
	return p
}

func (p Phase) String() string { return string(p) }
