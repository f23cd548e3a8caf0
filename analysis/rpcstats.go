package analysis

import (
	"math"
	"sort"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// RPCStats are one wallet RPC method's calls in one escrow, over all roles and
// per role.
type RPCStats struct {
	Method string
	Latency
	ByRole []RoleRPCStats
}

// RoleRPCStats are one method's calls made for one role.
type RoleRPCStats struct {
	Role string
	Latency
}

// Latency counts calls and errors and summarises durations in milliseconds.
// Percentiles are nearest-rank over the exact durations of the file.
type Latency struct {
	Calls  int
	Errors int
	P50MS  float64
	P95MS  float64
	MaxMS  float64
}

// rpcCall is one finished wallet RPC call, paired from its start and end events.
type rpcCall struct {
	Start      *escrowtrace.Event // nil when the start is missing from the trace
	End        *escrowtrace.Event // RPC_CALL_END or RPC_CALL_ERROR
	DurationMS float64
}

func (c rpcCall) failed() bool { return c.End.Type == escrowtrace.EventRPCCallError }

// pairCalls matches each RPC end to its start: by span ID when the events
// carry one, otherwise first-in-first-out per role and method (a role's server
// serves one call at a time, so calls of one role and method do not overlap).
// It returns the finished calls in end order and the starts that never ended.
func pairCalls(events []escrowtrace.Event) (calls []rpcCall, open []*escrowtrace.Event) {
	type fifoKey struct{ role, method string }
	bySpan := map[string]*escrowtrace.Event{}
	fifo := map[fifoKey][]*escrowtrace.Event{}
	ended := map[*escrowtrace.Event]bool{}
	var starts []*escrowtrace.Event
	for i := range events {
		e := &events[i]
		switch e.Type {
		case escrowtrace.EventRPCCallStart:
			starts = append(starts, e)
			if e.SpanID != "" {
				bySpan[e.SpanID] = e
			} else {
				k := fifoKey{e.Role, e.Method}
				fifo[k] = append(fifo[k], e)
			}
		case escrowtrace.EventRPCCallEnd, escrowtrace.EventRPCCallError:
			var start *escrowtrace.Event
			if e.SpanID != "" {
				start = bySpan[e.SpanID]
				delete(bySpan, e.SpanID)
			} else if q := fifo[fifoKey{e.Role, e.Method}]; len(q) > 0 {
				start = q[0]
				fifo[fifoKey{e.Role, e.Method}] = q[1:]
			}
			c := rpcCall{Start: start, End: e}
			switch {
			case e.DurationMS != nil:
				c.DurationMS = *e.DurationMS
			case start != nil:
				c.DurationMS = math.Max(0, e.OffsetMS-start.OffsetMS)
			}
			if start != nil {
				ended[start] = true
			}
			calls = append(calls, c)
		}
	}
	for _, s := range starts {
		if !ended[s] {
			open = append(open, s)
		}
	}
	return calls, open
}

// rpcStats summarises calls per method (sorted by name), with a row per role.
func rpcStats(calls []rpcCall) []RPCStats {
	type acc struct {
		durs   []float64
		errors int
	}
	byMethod := map[string]*acc{}
	byRole := map[[2]string]*acc{}
	get := func(m map[[2]string]*acc, k [2]string) *acc {
		a := m[k]
		if a == nil {
			a = &acc{}
			m[k] = a
		}
		return a
	}
	for _, c := range calls {
		m := c.End.Method
		if byMethod[m] == nil {
			byMethod[m] = &acc{}
		}
		for _, a := range []*acc{byMethod[m], get(byRole, [2]string{m, c.End.Role})} {
			a.durs = append(a.durs, c.DurationMS)
			if c.failed() {
				a.errors++
			}
		}
	}
	methods := make([]string, 0, len(byMethod))
	for m := range byMethod {
		methods = append(methods, m)
	}
	sort.Strings(methods)
	out := make([]RPCStats, 0, len(methods))
	for _, m := range methods {
		a := byMethod[m]
		s := RPCStats{Method: m, Latency: latencyOf(a.durs, a.errors)}
		var rs []string
		for k := range byRole {
			if k[0] == m {
				rs = append(rs, k[1])
			}
		}
		sortRoles(rs)
		for _, r := range rs {
			ra := byRole[[2]string{m, r}]
			s.ByRole = append(s.ByRole, RoleRPCStats{Role: r, Latency: latencyOf(ra.durs, ra.errors)})
		}
		out = append(out, s)
	}
	return out
}

func latencyOf(durs []float64, errors int) Latency {
	sorted := append([]float64(nil), durs...)
	sort.Float64s(sorted)
	l := Latency{Calls: len(sorted), Errors: errors}
	if len(sorted) > 0 {
		l.P50MS = nearestRank(sorted, 0.50)
		l.P95MS = nearestRank(sorted, 0.95)
		l.MaxMS = sorted[len(sorted)-1]
	}
	return l
}

// nearestRank is the p-quantile of sorted values by the nearest-rank method:
// always one of the observed values.
func nearestRank(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	i = max(0, min(i, len(sorted)-1))
	return sorted[i]
}

// sortRoles orders roles buyer, vendor, arbiter, then others by name.
func sortRoles(rs []string) {
	sort.Slice(rs, func(i, j int) bool {
		ri, rj := roleRank(rs[i]), roleRank(rs[j])
		if ri != rj {
			return ri < rj
		}
		return rs[i] < rs[j]
	})
}
