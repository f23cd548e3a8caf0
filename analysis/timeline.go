package analysis

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Timeline is one escrow's events in order, as the seed's log showed them.
type Timeline struct {
	EscrowID   string
	TraceID    string
	Service    string
	Outcome    string
	StartedAt  time.Time
	DurationMS *float64
	Error      *escrowtrace.FileError
	Events     []escrowtrace.Event
	// UnknownTypes lists event types this analyzer does not know, sorted; such
	// events are kept and shown, never dropped.
	UnknownTypes []string
	// Lifecycle says that the file holds more than the setup (a phases list,
	// or events of a later phase); Phases are then its phases in the order
	// they ran, and Outcome, Error and DurationMS are the latest phase's.
	Lifecycle bool
	Phases    []escrowtrace.PhaseRecord
}

// NewTimeline takes the file's events in seq order (ties keep file order).
func NewTimeline(f *escrowtrace.File) *Timeline {
	events := append([]escrowtrace.Event(nil), f.Events...)
	sort.SliceStable(events, func(i, j int) bool { return events[i].Seq < events[j].Seq })
	unknown := map[string]bool{}
	for i := range events {
		e := &events[i]
		// The contract defines each setup point's round: a file that leaves
		// the optional field out reads like one that has it.
		if p, ok := setupPoint(e.Type); ok && e.Round == 0 {
			e.Round = int(p.Round())
		}
		e.Phase = e.Phase.Of()
		if !knownEventType(e.Type) {
			unknown[e.Type] = true
		}
	}
	t := &Timeline{
		EscrowID: f.EscrowID, TraceID: f.TraceID, Service: f.Service, Outcome: f.Outcome,
		StartedAt: f.StartedAt, DurationMS: f.DurationMS, Error: f.Error, Events: events,
		Lifecycle: isLifecycle(f.Phases, events),
	}
	if t.Lifecycle {
		t.Phases = phaseRecords(f, events)
	}
	for k := range unknown {
		t.UnknownTypes = append(t.UnknownTypes, k)
	}
	sort.Strings(t.UnknownTypes)
	return t
}

func knownEventType(t string) bool {
	switch t {
	case escrowtrace.EventRPCCallStart, escrowtrace.EventRPCCallEnd, escrowtrace.EventRPCCallError,
		escrowtrace.EventErrorFinal:
		return true
	}
	return isSnapshotType(t)
}

// EventKey is what identifies a step of the setup independently of timing and
// of the escrow: diff aligns two escrows on it.
type EventKey struct {
	Type   string
	Role   string
	Round  int
	Method string
	// Phase is the event's lifecycle phase, "" for the setup (so that a
	// setup's keys read as before).
	Phase escrow.Phase
}

// KeyOf is the event's key.
func KeyOf(e *escrowtrace.Event) EventKey {
	k := EventKey{Type: e.Type, Role: e.Role, Round: e.Round, Method: e.Method}
	if p := phaseOf(e); p != escrow.PhaseSetup {
		k.Phase = p
	}
	return k
}

// String is the seed's form: "RPC_CALL_START role=buyer round=1 method=prepare_multisig".
func (k EventKey) String() string {
	var b strings.Builder
	b.WriteString(k.Type)
	if k.Role != "" {
		fmt.Fprintf(&b, " role=%s", k.Role)
	}
	if k.Round != 0 {
		fmt.Fprintf(&b, " round=%d", k.Round)
	}
	if k.Method != "" {
		fmt.Fprintf(&b, " method=%s", k.Method)
	}
	if k.Phase != "" {
		fmt.Fprintf(&b, " phase=%s", k.Phase)
	}
	return b.String()
}

// Mark says how an event ended, for the timeline's success/failure marks.
type Mark int

// Marks of timeline events.
const (
	MarkNone    Mark = iota // a start or a snapshot
	MarkOK                  // an RPC call that succeeded
	MarkFail                // an RPC error or the escrow's final error
	MarkUnknown             // an event type this analyzer does not know
)

// MarkOf classifies an event.
func MarkOf(e *escrowtrace.Event) Mark {
	switch {
	case e.Type == escrowtrace.EventRPCCallEnd:
		return MarkOK
	case e.Type == escrowtrace.EventRPCCallError, e.Type == escrowtrace.EventErrorFinal:
		return MarkFail
	case e.Snapshot != nil && e.Snapshot.Error != "":
		return MarkFail
	case !knownEventType(e.Type):
		return MarkUnknown
	}
	return MarkNone
}
