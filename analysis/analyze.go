package analysis

import (
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Options tune the analysis of one escrow.
type Options struct {
	// Slow decides slow_rpc; the zero value means DefaultSlow().
	Slow SlowThreshold
}

// Analysis is everything the analyzer says about one escrow.
type Analysis struct {
	Timeline    *Timeline
	RPC         []RPCStats
	Progression Progression
	Errors      []ErrorReport
	Anomalies   []Anomaly
	// Lifecycle is the escrow's phases beyond the setup; nil for a file of
	// the setup alone.
	Lifecycle *Lifecycle
}

// ErrorReport is a failed RPC call or the escrow's final error, with the
// events of the same role just before it.
type ErrorReport struct {
	Event  escrowtrace.Event
	Before []escrowtrace.Event
}

// errorContextEvents is how many earlier events of the role an error shows:
// enough to see the call that preceded it and the last snapshot.
const errorContextEvents = 2

// Analyze computes the statistics, progression, errors and anomalies of one
// escrow. It does not keep f.
func Analyze(f *escrowtrace.File, opts Options) *Analysis {
	tl := NewTimeline(f)
	calls, open := pairCalls(tl.Events)
	prog := progression(tl.Events)
	a := &Analysis{
		Timeline:    tl,
		RPC:         rpcStats(calls),
		Progression: prog,
		Errors:      errorReports(tl.Events),
	}
	a.Anomalies = detect(&detectInput{
		file: f, events: tl.Events, prog: prog, calls: calls, open: open, slow: opts.Slow, phases: tl.Phases,
	})
	a.Lifecycle = newLifecycle(tl, calls, a.Anomalies)
	return a
}

// Clean reports whether the escrow succeeded with no anomaly: the CLI's exit 0.
func (a *Analysis) Clean() bool {
	return a.Timeline.Outcome == escrowtrace.OutcomeSuccess && len(a.Anomalies) == 0
}

func errorReports(events []escrowtrace.Event) []ErrorReport {
	var out []ErrorReport
	for i, e := range events {
		if e.Type != escrowtrace.EventRPCCallError && e.Type != escrowtrace.EventErrorFinal {
			continue
		}
		r := ErrorReport{Event: e}
		for j := i - 1; j >= 0 && len(r.Before) < errorContextEvents; j-- {
			if e.Role == "" || events[j].Role == e.Role {
				r.Before = append(r.Before, events[j])
			}
		}
		// Before is built backwards; show it in time order.
		for l, h := 0, len(r.Before)-1; l < h; l, h = l+1, h-1 {
			r.Before[l], r.Before[h] = r.Before[h], r.Before[l]
		}
		out = append(out, r)
	}
	return out
}
