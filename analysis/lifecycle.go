package analysis

import (
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Lifecycle is what an escrow's file says beyond the setup: each phase as it
// ran, the balances each wallet showed at the funding and payout snapshots,
// and each payout's steps. Analyze leaves it nil for a file of the setup alone.
type Lifecycle struct {
	Phases []PhaseView
	// Funded is the escrow's funded amount as its SNAPSHOT_FUNDED saw it
	// (the largest balance there), nil when the file has no such snapshot.
	Funded *uint64
}

// PhaseView is one run of a phase.
type PhaseView struct {
	escrowtrace.PhaseRecord
	// Events, Calls and Errors count the phase's events, finished RPC calls and
	// failed ones; FirstSeq and LastSeq bound its events (-1 without any).
	Events, Calls, Errors int
	FirstSeq, LastSeq     int
	// Anomalies are the findings shown by the phase's events.
	Anomalies []Anomaly
	// RootCause names why a failed phase failed (see RootCause).
	RootCause Kind
	// Snapshots are the phase's funding and payout snapshots, in time order.
	Snapshots []LifecycleSnapshot
	// Signers and Steps are a payout's: the two signing roles (the builder
	// first) and the protocol's steps with each role's part.
	Signers []string
	Steps   []PayoutStepView
}

// LifecycleSnapshot is a role's wallet at a funding or payout point.
type LifecycleSnapshot struct {
	Role     string
	Point    escrow.Point
	Seq      int
	OffsetMS float64
	Snapshot escrowtrace.Snapshot
}

// PayoutStepView is one step of escrow.PayoutSteps with each role's part.
type PayoutStepView struct {
	Name, Call string
	Cells      []StepCell // one per role of escrow.Roles
}

// StepStatus is how a role's part of a payout step went.
type StepStatus string

// Step statuses.
const (
	StepNone       StepStatus = ""            // the role takes no part in the step
	StepOK         StepStatus = "ok"          // the step's call succeeded
	StepError      StepStatus = "error"       // the step's call failed
	StepSkipped    StepStatus = "skipped"     // the role went on to a later step without the call
	StepNotReached StepStatus = "not_reached" // the phase ended before the role got there
)

// StepCell is one role's part of a payout step: the step's call, when the
// role made it.
type StepCell struct {
	Role       string
	Status     StepStatus
	Seq        int // the call's end event, -1 without a call
	Method     string
	DurationMS float64
	Error      string
}

// newLifecycle builds the lifecycle view; events are in seq order.
func newLifecycle(tl *Timeline, calls []rpcCall, anomalies []Anomaly) *Lifecycle {
	if !tl.Lifecycle {
		return nil
	}
	idx := phaseIndexes(tl.Phases, tl.Events)
	lc := &Lifecycle{Funded: fundedAmount(tl.Events)}
	for k, rec := range tl.Phases {
		pv := PhaseView{PhaseRecord: rec, FirstSeq: -1, LastSeq: -1}
		var events []escrowtrace.Event
		for i := range tl.Events {
			if idx[i] != k {
				continue
			}
			e := &tl.Events[i]
			events = append(events, *e)
			pv.Events++
			if pv.FirstSeq < 0 {
				pv.FirstSeq = e.Seq
			}
			pv.LastSeq = e.Seq
			if p, ok := escrow.PointByName(e.Type); ok && !p.IsSetup() && e.Snapshot != nil {
				pv.Snapshots = append(pv.Snapshots, LifecycleSnapshot{Role: e.Role, Point: p, Seq: e.Seq, OffsetMS: e.OffsetMS, Snapshot: *e.Snapshot})
			}
		}
		inPhase := map[int]bool{}
		for _, e := range events {
			inPhase[e.Seq] = true
		}
		for _, c := range calls {
			if inPhase[c.End.Seq] {
				pv.Calls++
				if c.failed() {
					pv.Errors++
				}
			}
		}
		for _, an := range anomalies {
			if an.Phase == rec.Name && (an.Seq == nil || inPhase[*an.Seq]) {
				pv.Anomalies = append(pv.Anomalies, an)
			}
		}
		if rec.Outcome == escrowtrace.OutcomeFailed {
			pv.RootCause = rootCauseOf(pv.Anomalies)
		}
		// A payout's steps, when its signers are known (a resolve whose
		// winner never acted has none to show).
		if signers := payoutSigners(rec.Name, events); len(signers) == escrow.Threshold {
			for _, r := range signers {
				pv.Signers = append(pv.Signers, string(r))
			}
			pv.Steps = payoutStepViews(rec.Name, signers, events, rec.Outcome)
		}
		lc.Phases = append(lc.Phases, pv)
	}
	return lc
}

// fundedAmount is the largest balance a SNAPSHOT_FUNDED saw.
func fundedAmount(events []escrowtrace.Event) *uint64 {
	var out *uint64
	for i := range events {
		e := &events[i]
		if e.Type != escrow.PointFunded.Name() || e.Snapshot == nil || e.Snapshot.Balance == nil {
			continue
		}
		if out == nil || *e.Snapshot.Balance > *out {
			v := *e.Snapshot.Balance
			out = &v
		}
	}
	return out
}

// payoutSigners are a payout phase's two signers, the builder first. A
// resolve's winner is not in the file: it is the role other than the arbiter
// that acts first in the phase (the loser takes part only in the post-spend
// sync, after the signers).
func payoutSigners(phase escrow.Phase, events []escrowtrace.Event) []escrow.Role {
	winner := escrow.Role("")
	if phase == escrow.PhaseResolve {
		for i := range events {
			if r := escrow.Role(events[i].Role); r == escrow.Buyer || r == escrow.Vendor {
				winner = r
				break
			}
		}
	}
	s, ok := phase.Signers(winner)
	if !ok {
		return nil
	}
	return s[:]
}

// stepRoles are the roles that take part in a payout step: the signers in
// the first three steps, the builder in transfer, the co-signer in sign and
// submit, every role in the post-spend sync.
func stepRoles(step string, signers []escrow.Role) []escrow.Role {
	if len(signers) < escrow.Threshold {
		return nil
	}
	switch step {
	case "transfer":
		return signers[:1]
	case "sign", "submit":
		return signers[1:2]
	case "post_sync":
		return escrow.Roles[:]
	}
	return signers
}

// stepCalls are the wallet methods that do a payout step's work: its Call,
// and for the transfer step the sweep that builds it (the payer sends the
// whole balance with sweep_all).
func stepCalls(st escrow.Step) []string {
	if st.Name == "transfer" {
		return []string{st.Call, "sweep_all", "transfer_split"}
	}
	return []string{st.Call}
}

func isStepCall(st escrow.Step, method string) bool {
	for _, c := range stepCalls(st) {
		if c == method {
			return true
		}
	}
	return false
}

// payoutStepViews finds each role's part of each payout step: a role's
// calls are matched to its steps in order, so a step whose call the role
// never made before a later step's is skipped (the naive payout's refresh).
func payoutStepViews(phase escrow.Phase, signers []escrow.Role, events []escrowtrace.Event, outcome string) []PayoutStepView {
	steps := escrow.PayoutSteps(phase)
	views := make([]PayoutStepView, len(steps))
	for k, st := range steps {
		views[k] = PayoutStepView{Name: st.Name, Call: st.Call, Cells: make([]StepCell, len(escrow.Roles))}
		for ri, r := range escrow.Roles {
			views[k].Cells[ri] = StepCell{Role: string(r), Seq: -1}
		}
		for _, r := range stepRoles(st.Name, signers) {
			views[k].Cells[r.Index()].Status = StepNotReached
		}
	}
	for ri, r := range escrow.Roles {
		var mine []int // the steps the role takes part in
		for k := range steps {
			if views[k].Cells[ri].Status != StepNone {
				mine = append(mine, k)
			}
		}
		next := 0 // index into mine
		for i := range events {
			e := &events[i]
			if e.Role != string(r) || (e.Type != escrowtrace.EventRPCCallEnd && e.Type != escrowtrace.EventRPCCallError) {
				continue
			}
			for j := next; j < len(mine); j++ {
				k := mine[j]
				if !isStepCall(steps[k], e.Method) {
					continue
				}
				for _, passed := range mine[next:j] {
					views[passed].Cells[ri].Status = StepSkipped
				}
				c := &views[k].Cells[ri]
				c.Status, c.Seq, c.Method = StepOK, e.Seq, e.Method
				if e.DurationMS != nil {
					c.DurationMS = *e.DurationMS
				}
				if e.Type == escrowtrace.EventRPCCallError {
					c.Status = StepError
					if e.Error != nil {
						c.Error = e.Error.Message
					}
				}
				next = j + 1
				break
			}
		}
	}
	return views
}
