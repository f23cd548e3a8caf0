package analysis

import (
	"sort"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// The protocol's order (escrow.SetupSteps): a step is a barrier, every role
// finishes its part of it before any role starts the next. Within a step a
// role first gets ready (open_wallet on a shared server, the step's PRE
// snapshot) and makes the step's call; then it checks and records what the
// call did (store, is_multisig, the POST snapshot, or the escrow's final
// error): snapshots follow their step. Two escrows are compared in this
// order: step, then part of the step, then role; so the failing call of one
// role comes before what the abort of the setup left out for another role,
// and the order in which roles interleave within a step is no difference.

// stepPart is where in its step an event falls.
type stepPart int

const (
	partCall  stepPart = iota // getting ready for the step's call, and the call
	partAfter                 // what follows the step's call
)

// stepPlace is an event's place in the protocol.
type stepPlace struct {
	group int // the phase run's position in the compared order (0 for a setup alone)
	step  int // index in the phase's steps; len(steps) for what follows them
	part  stepPart
}

func (p stepPlace) less(q stepPlace) bool {
	if p.group != q.group {
		return p.group < q.group
	}
	if p.step != q.step {
		return p.step < q.step
	}
	return p.part < q.part
}

// protocol is the steps of one phase run and which roles take part in each:
// every role in every step of the setup; the payout's signers, builder,
// co-signer or all three as escrow.PayoutSteps' work says (stepRoles). A
// phase without steps (the funding) keeps its events in time order.
type protocol struct {
	steps     []escrow.Step
	takesPart func(role string, step int) bool
}

// protocolOf is the protocol of a phase run with these events.
func protocolOf(phase escrow.Phase, events []escrowtrace.Event) protocol {
	switch {
	case phase == escrow.PhaseSetup:
		return protocol{steps: escrow.SetupSteps[:], takesPart: func(string, int) bool { return true }}
	case phase.IsPayout():
		steps := escrow.PayoutSteps(phase)
		signers := payoutSigners(phase, events)
		part := make([]map[string]bool, len(steps))
		for k, st := range steps {
			part[k] = map[string]bool{}
			for _, r := range stepRoles(st.Name, signers) {
				part[k][string(r)] = true
			}
		}
		return protocol{steps: steps, takesPart: func(role string, step int) bool {
			if len(signers) == 0 || escrow.Role(role).Index() < 0 {
				return true // a file of another producer: follow every step
			}
			return part[step][role]
		}}
	}
	return protocol{takesPart: func(string, int) bool { return true }}
}

// stepPlaces places each event (in seq order) in the protocol. Each role is
// followed on its own: an event that can only belong to a later step (that
// step's call, or its PRE or POST snapshot) moves the role on; the step's POST
// snapshot (or, when the step takes none, the end of its call) closes it.
// Events of no role follow the furthest role.
func stepPlaces(events []escrowtrace.Event, proto protocol, group int) []stepPlace {
	steps := proto.steps
	places := make([]stepPlace, len(events))
	if len(steps) == 0 {
		for i := range places {
			places[i] = stepPlace{group: group}
		}
		return places
	}
	type progress struct {
		step   int
		called bool // the step's call has ended
	}
	byRole := map[string]*progress{}
	furthest := 0
	// first is the first step a role takes part in, from where its
	// progress starts.
	first := func(role string, from int) int {
		for s := from; s < len(steps); s++ {
			if proto.takesPart(role, s) {
				return s
			}
		}
		return len(steps)
	}
	for i := range events {
		e := &events[i]
		if e.Role == "" {
			part := partAfter
			if e.Type != escrowtrace.EventErrorFinal {
				part = partCall
			}
			places[i] = stepPlace{group: group, step: furthest, part: part}
			continue
		}
		pr := byRole[e.Role]
		if pr == nil {
			pr = &progress{step: first(e.Role, 0)}
			byRole[e.Role] = pr
		}
		if pr.step >= len(steps) || !ofStep(steps[pr.step], e) {
			if s, ok := laterStep(steps, pr.step, e, func(s int) bool { return proto.takesPart(e.Role, s) }); ok {
				pr.step, pr.called = s, false
			}
		}
		st := steps[min(pr.step, len(steps)-1)]
		isCall := isRPC(e.Type) && isStepCall(st, e.Method) && e.Round == int(st.Round)
		place := stepPlace{group: group, step: pr.step, part: partCall}
		if pr.step >= len(steps) || pr.called {
			place.part = partAfter
		}
		if p, ok := escrow.PointByName(e.Type); ok && p == st.After {
			place.part = partAfter
		}
		places[i] = place
		furthest = max(furthest, pr.step)

		// What closes the step.
		if pr.step < len(steps) {
			ended := isCall && (e.Type == escrowtrace.EventRPCCallEnd || e.Type == escrowtrace.EventRPCCallError)
			if ended {
				pr.called = true
			}
			p, isPoint := escrow.PointByName(e.Type)
			if (st.After == escrow.NoPoint && ended) || (isPoint && p == st.After) {
				pr.step, pr.called = first(e.Role, pr.step+1), false
			}
		}
	}
	return places
}

// laterStep is the step after cur that e can only belong to: the step whose
// call e makes (in the step's round) or whose PRE or POST snapshot e is.
func laterStep(steps []escrow.Step, cur int, e *escrowtrace.Event, takesPart func(step int) bool) (int, bool) {
	p, isPoint := escrow.PointByName(e.Type)
	for s := cur + 1; s < len(steps); s++ {
		st := steps[s]
		if !takesPart(s) {
			continue
		}
		if isPoint && (p == st.Before || p == st.After) {
			return s, true
		}
		if isRPC(e.Type) && isStepCall(st, e.Method) && e.Round == int(st.Round) {
			return s, true
		}
	}
	return 0, false
}

// ofStep reports whether e is st's call or one of its snapshots: the
// payout's post-spend sync calls refresh again, and a role's refresh belongs
// to the step it is in.
func ofStep(st escrow.Step, e *escrowtrace.Event) bool {
	if p, ok := escrow.PointByName(e.Type); ok {
		return p == st.Before || p == st.After
	}
	return isRPC(e.Type) && isStepCall(st, e.Method) && e.Round == int(st.Round)
}

func isRPC(t string) bool {
	return t == escrowtrace.EventRPCCallStart || t == escrowtrace.EventRPCCallEnd || t == escrowtrace.EventRPCCallError
}

// CanonicalOrder sorts a timeline's events (in seq order) into the protocol's
// order, the same for any two escrows however their roles interleaved: by
// step of escrow.SetupSteps, then by part of the step (getting ready and the
// step's call, then what follows it), then by role (buyer, vendor, arbiter,
// then any other), then by seq. Within a role nothing moves: a role's calls
// are sequential, so its seq order is causal.
//
// The events are taken as one run of one phase (the setup's steps for the
// setup, escrow.PayoutSteps for a payout, time order for the funding); see
// Compare for a file of several phases.
func CanonicalOrder(events []escrowtrace.Event) {
	phase := escrow.PhaseSetup
	if len(events) > 0 {
		phase = phaseOf(&events[0])
	}
	canonical(events, protocolOf(phase, events), 0)
}

// canonical sorts events (one phase run, seq order) as CanonicalOrder does
// and returns each sorted event's place in the protocol.
func canonical(events []escrowtrace.Event, proto protocol, group int) []stepPlace {
	places := stepPlaces(events, proto, group)
	idx := make([]int, len(events))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(x, y int) bool {
		i, j := idx[x], idx[y]
		if places[i] != places[j] {
			return places[i].less(places[j])
		}
		if ra, rb := roleRank(events[i].Role), roleRank(events[j].Role); ra != rb {
			return ra < rb
		}
		return events[i].Seq < events[j].Seq
	})
	sorted := make([]escrowtrace.Event, len(events))
	sortedPlaces := make([]stepPlace, len(events))
	for k, i := range idx {
		sorted[k], sortedPlaces[k] = events[i], places[i]
	}
	copy(events, sorted)
	return sortedPlaces
}
