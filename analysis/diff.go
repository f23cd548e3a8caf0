package analysis

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Diff is the comparison of two escrows' timelines.
type Diff struct {
	A, B      DiffSide
	Identical bool
	// First is the first aligned step that differs, nil when none does.
	First *Divergence
	Steps []DiffStep
}

// DiffSide names one of the compared escrows.
type DiffSide struct {
	EscrowID, TraceID, Outcome string
	Events                     int
}

// Divergence is the first aligned step where A and B differ. Index is the
// step's position in the aligned sequence ("Divergence at event #15").
type Divergence struct {
	Index  int
	A, B   *escrowtrace.Event // nil where one side has no event at that step
	Reason string
}

// DiffStep is one aligned step: both events (or one, when the other side has
// none there), whether their keys match, timing deltas B-A, and the snapshot
// fields that differ.
type DiffStep struct {
	Index           int
	A, B            *escrowtrace.Event
	Match           bool
	OffsetDeltaMS   *float64 // B's offset since start minus A's
	DurationDeltaMS *float64 // on RPC ends: B's call duration minus A's
	Fields          []FieldDiff
}

// FieldDiff is one snapshot field whose value differs between A and B.
type FieldDiff struct {
	Field string
	A, B  string
}

// maxAlignCells bounds the alignment table (after the common prefix and
// suffix are cut): beyond it the middle is compared position by position,
// which costs nothing but may report a later divergence as a mismatch.
const maxAlignCells = 16 << 20

// Compare aligns the two timelines on event keys (type, role, round, method),
// not raw indexes, so a retried call shifts the rest without making every
// later step differ. The three roles run each step at once, so the order in
// which their events interleave is chance: both sides are first put in the
// protocol's own order (step by step of escrow.SetupSteps; within a step what
// gets ready for the call, the call, what follows it; then buyer, vendor,
// arbiter; each role's events in the order they happened, see
// CanonicalOrder), so the first divergence is the earliest departure from the
// protocol, not a consequence of the abort that a role-major order would put
// first. The
// alignment is a longest common subsequence; between two matched steps,
// events only in A and only in B are paired up in order (a substitution), so
// a failure shows both sides: "A: RPC_CALL_END role=buyer, B: ERROR_FINAL
// role=buyer".
//
// A file of several phases is compared phase by phase (setup, fund, release,
// refund, resolve), the latest run of a phase on one side with the latest on
// the other (a payout that was retried is compared by its last attempt); a
// payout's events are put in the order of escrow.PayoutSteps (step, then
// role) as the setup's are, so that a step one side left out (the naive
// payout's refresh) is the first divergence, not the error that followed.
// What only one side has and that says nothing of the protocol (an earlier
// attempt of a phase, another poll while waiting for funds) is shown but
// never taken as the first divergence while anything else differs.
func Compare(a, b *escrowtrace.File) *Diff {
	ta, tb := NewTimeline(a), NewTimeline(b)
	evA, evB, placesA, placesB, benignA, benignB, pairs := alignRuns(ta, tb)
	d := &Diff{
		A: DiffSide{EscrowID: a.EscrowID, TraceID: a.TraceID, Outcome: a.Outcome, Events: len(ta.Events)},
		B: DiffSide{EscrowID: b.EscrowID, TraceID: b.TraceID, Outcome: b.Outcome, Events: len(tb.Events)},
	}
	durA, durB := callDurations(evA), callDurations(evB)
	var first divergenceRank
	for i, p := range pairs {
		s := DiffStep{Index: i}
		if p[0] >= 0 {
			s.A = &evA[p[0]]
		}
		if p[1] >= 0 {
			s.B = &evB[p[1]]
		}
		if s.A != nil && s.B != nil {
			s.Match = KeyOf(s.A) == KeyOf(s.B)
			dt := s.B.OffsetMS - s.A.OffsetMS
			s.OffsetDeltaMS = &dt
			da, okA := durA[s.A]
			db, okB := durB[s.B]
			if okA && okB {
				dd := db - da
				s.DurationDeltaMS = &dd
			}
			if s.Match && s.A.Snapshot != nil && s.B.Snapshot != nil {
				s.Fields = snapshotDiffs(*s.A.Snapshot, *s.B.Snapshot)
			}
		}
		if !s.Match || len(s.Fields) > 0 {
			r := rankDivergence(s, p, placesA, placesB)
			r.benign = (p[0] < 0 || benignA[p[0]]) && (p[1] < 0 || benignB[p[1]])
			if d.First == nil || r.less(first) {
				d.First, first = &Divergence{Index: i, A: s.A, B: s.B, Reason: divergenceReason(s)}, r
			}
		}
		d.Steps = append(d.Steps, s)
	}
	d.Identical = d.First == nil
	return d
}

// divergenceRank orders the divergent steps: the first divergence is the
// earliest in the protocol (step, part of the step); within one part, a role
// that did something else (its call failed where the other's succeeded, its
// snapshot differs) comes before what only one side has or a call cancelled
// because another role failed: those follow from the abort of the setup.
type divergenceRank struct {
	// benign: what only one side has and says nothing of the protocol.
	benign      bool
	place       stepPlace
	consequence bool
}

func (r divergenceRank) less(q divergenceRank) bool {
	if r.benign != q.benign {
		return !r.benign
	}
	if r.place != q.place {
		return r.place.less(q.place)
	}
	return !r.consequence && q.consequence
}

func rankDivergence(s DiffStep, p [2]int, placesA, placesB []stepPlace) divergenceRank {
	var r divergenceRank
	switch {
	case p[0] >= 0 && p[1] >= 0:
		r.place = placesA[p[0]]
		if placesB[p[1]].less(r.place) {
			r.place = placesB[p[1]]
		}
		r.consequence = s.A.Role != s.B.Role || callKind(s.A) == escrow.KindCanceled || callKind(s.B) == escrow.KindCanceled
	case p[0] >= 0:
		r.place, r.consequence = placesA[p[0]], true
	default:
		r.place, r.consequence = placesB[p[1]], true
	}
	return r
}

func keysOf(events []escrowtrace.Event) []EventKey {
	keys := make([]EventKey, len(events))
	for i := range events {
		keys[i] = KeyOf(&events[i])
	}
	return keys
}

// callDurations maps each RPC end event (by address in events) to its call's duration.
func callDurations(events []escrowtrace.Event) map[*escrowtrace.Event]float64 {
	calls, _ := pairCalls(events)
	out := make(map[*escrowtrace.Event]float64, len(calls))
	for _, c := range calls {
		out[c.End] = c.DurationMS
	}
	return out
}

// align returns index pairs (i into a, j into b, -1 for none) in order.
func align(a, b []EventKey) [][2]int {
	var out [][2]int
	pre := 0
	for pre < len(a) && pre < len(b) && a[pre] == b[pre] {
		out = append(out, [2]int{pre, pre})
		pre++
	}
	suf := 0
	for suf < len(a)-pre && suf < len(b)-pre && a[len(a)-1-suf] == b[len(b)-1-suf] {
		suf++
	}
	ma, mb := a[pre:len(a)-suf], b[pre:len(b)-suf]
	var mid [][2]int
	if len(ma)*len(mb) > maxAlignCells {
		mid = alignByPosition(len(ma), len(mb))
	} else {
		mid = substitute(lcs(ma, mb))
	}
	for _, p := range mid {
		if p[0] >= 0 {
			p[0] += pre
		}
		if p[1] >= 0 {
			p[1] += pre
		}
		out = append(out, p)
	}
	for k := suf; k > 0; k-- {
		out = append(out, [2]int{len(a) - k, len(b) - k})
	}
	return out
}

func alignByPosition(na, nb int) [][2]int {
	out := make([][2]int, 0, max(na, nb))
	for i := 0; i < max(na, nb); i++ {
		p := [2]int{-1, -1}
		if i < na {
			p[0] = i
		}
		if i < nb {
			p[1] = i
		}
		out = append(out, p)
	}
	return out
}

// lcs aligns a and b along a longest common subsequence; steps with -1 are
// events of one side only.
func lcs(a, b []EventKey) [][2]int {
	n, m := len(a), len(b)
	// t[i][j] = LCS length of a[i:], b[j:], in one slice.
	w := m + 1
	t := make([]int32, (n+1)*w)
	for i := n - 1; i >= 0; i-- {
		for j := m - 1; j >= 0; j-- {
			if a[i] == b[j] {
				t[i*w+j] = t[(i+1)*w+j+1] + 1
			} else {
				t[i*w+j] = max(t[(i+1)*w+j], t[i*w+j+1])
			}
		}
	}
	var out [][2]int
	i, j := 0, 0
	for i < n && j < m {
		switch {
		case a[i] == b[j]:
			out = append(out, [2]int{i, j})
			i++
			j++
		case t[(i+1)*w+j] >= t[i*w+j+1]:
			out = append(out, [2]int{i, -1})
			i++
		default:
			out = append(out, [2]int{-1, j})
			j++
		}
	}
	for ; i < n; i++ {
		out = append(out, [2]int{i, -1})
	}
	for ; j < m; j++ {
		out = append(out, [2]int{-1, j})
	}
	return out
}

// substitute pairs, between two matched steps, the events only in A with the
// events only in B, in order; the rest stay one-sided.
func substitute(pairs [][2]int) [][2]int {
	var out [][2]int
	var onlyA, onlyB []int
	flush := func() {
		k := 0
		for ; k < len(onlyA) && k < len(onlyB); k++ {
			out = append(out, [2]int{onlyA[k], onlyB[k]})
		}
		for _, i := range onlyA[k:] {
			out = append(out, [2]int{i, -1})
		}
		for _, j := range onlyB[min(k, len(onlyB)):] {
			out = append(out, [2]int{-1, j})
		}
		onlyA, onlyB = onlyA[:0], onlyB[:0]
	}
	for _, p := range pairs {
		switch {
		case p[0] >= 0 && p[1] >= 0:
			flush()
			out = append(out, p)
		case p[0] >= 0:
			onlyA = append(onlyA, p[0])
		default:
			onlyB = append(onlyB, p[1])
		}
	}
	flush()
	return out
}

func divergenceReason(s DiffStep) string {
	switch {
	case s.A == nil:
		return "only in B"
	case s.B == nil:
		return "only in A"
	case !s.Match:
		ka, kb := KeyOf(s.A), KeyOf(s.B)
		var why []string
		if ka.Type != kb.Type {
			why = append(why, fmt.Sprintf("type %s vs %s", ka.Type, kb.Type))
		}
		if ka.Role != kb.Role {
			why = append(why, fmt.Sprintf("role %s vs %s", orNone(ka.Role), orNone(kb.Role)))
		}
		if ka.Round != kb.Round {
			why = append(why, fmt.Sprintf("round %d vs %d", ka.Round, kb.Round))
		}
		if ka.Method != kb.Method {
			why = append(why, fmt.Sprintf("method %s vs %s", orNone(ka.Method), orNone(kb.Method)))
		}
		return strings.Join(why, ", ")
	default:
		parts := make([]string, len(s.Fields))
		for i, f := range s.Fields {
			parts[i] = fmt.Sprintf("%s %s vs %s", f.Field, f.A, f.B)
		}
		return "snapshot differs: " + strings.Join(parts, ", ")
	}
}

// snapshotDiffs compares the fields that two healthy escrows share. The
// address hash, wallet ID and chain height differ between any two escrows by
// design, so they are not compared.
func snapshotDiffs(a, b escrowtrace.Snapshot) []FieldDiff {
	var out []FieldDiff
	add := func(field, va, vb string) {
		if va != vb {
			out = append(out, FieldDiff{Field: field, A: va, B: vb})
		}
	}
	add("is_multisig", strconv.FormatBool(a.IsMultisig), strconv.FormatBool(b.IsMultisig))
	add("ready", optBool(a.Ready), optBool(b.Ready))
	add("threshold", optInt(a.Threshold), optInt(b.Threshold))
	add("total", optInt(a.Total), optInt(b.Total))
	add("balance", optUint(a.Balance), optUint(b.Balance))
	add("unlocked_balance", optUint(a.UnlockedBalance), optUint(b.UnlockedBalance))
	add("wallet_file_mode", orNone(a.WalletFileMode), orNone(b.WalletFileMode))
	add("multisig_import_needed", optBool(a.MultisigImportNeeded), optBool(b.MultisigImportNeeded))
	add("error", orNone(a.Error), orNone(b.Error))
	return out
}

func optUint(n *uint64) string {
	if n == nil {
		return "-"
	}
	return strconv.FormatUint(*n, 10)
}

func orNone(s string) string {
	if s == "" {
		return "-"
	}
	return s
}
