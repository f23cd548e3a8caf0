package analysis

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Geometry of the SVG timeline, in SVG user units. The SVG scales to the
// page width; at 1280 px one unit is about one pixel, so the label-fit
// estimates below hold where it matters.
const (
	svgWidth      = 1200.0
	svgLabelW     = 92.0 // lane labels on the left
	svgRightPad   = 14.0
	svgTopPad     = 34.0 // round labels above the lanes, in two rows
	svgLaneH      = 66.0
	svgCalloutY   = 12.0 // error text above a lane's bars
	svgBarY       = 17.0
	svgBarH       = 22.0
	svgPointY     = 51.0 // centre of the snapshot markers
	svgPointR     = 6.5
	svgAxisH      = 38.0
	svgCharW      = 7.0 // average advance of the bold 11 px label font, rounded up
	svgMinBarW    = 2.0
	svgMinPointDX = 13.0 // markers closer than this share one number label
)

// htmlTimeline is one escrow drawn as lanes, ready for the template.
type htmlTimeline struct {
	Label   string // accessible name of the SVG
	Caption string // shown above a zoomed view
	Side    string // "a" or "b" on the diff page, "" on the escrow page
	ViewBox string
	Height  string
	Lanes   []htmlLane
	Rounds  []htmlRound
	Ticks   []htmlTick
	Marks   []htmlMark
	// Phases are the lifecycle's phase bands, when the drawing spans more
	// than the setup.
	Phases []htmlPhaseBand
	AxisY  string
	PlotX  string
	PlotX2 string
}

type htmlLane struct {
	Role, Label    string
	Y, LabelY, Mid string
	Bars           []htmlBar
	Points         []htmlPoint
}

// htmlBar is one RPC call. Class is "bar ok", "bar error" or "bar open".
type htmlBar struct {
	Class, Method, Href, Tip string
	X, Y, W, H               string
	Label, LabelX, LabelY    string
	LabelInside              bool
	Callout, CalloutX, CallY string
	Seq                      int
}

// htmlPoint is a snapshot, the final error or an event type this analyzer
// does not know. Class starts with "snapshot", "final-error" or "unknown".
type htmlPoint struct {
	Class, Type, Href, Tip string
	Shape                  string // polygon points
	Label, LabelX, LabelY  string
	Anchor                 string // text-anchor of the label
	Flag                   string // "!" when an anomaly points at the event
	FlagX, FlagY           string
	Seq                    int
}

// htmlRound is a round boundary: a vertical line where the round's first
// event is.
type htmlRound struct {
	Round               int
	X, LabelX, LabelY   string
	Y1, Y2              string
	BandX, BandW, BandY string
	BandH               string
	Odd                 bool
}

type htmlTick struct{ X, Label string }

// htmlPhaseBand is one phase run across the lanes, labelled above them.
type htmlPhaseBand struct {
	Name, Outcome, Label string
	X, W, Y, H           string
	LabelX, LabelY       string
	BreakX               string // where the cut time between phases is drawn, "" for the first
}

// htmlMark is a labelled vertical line across the lanes (the divergence).
type htmlMark struct {
	Class, Label, Href string
	X, Y1, Y2, LabelX  string
	LabelY             string
}

// timelineInput is what the SVG is drawn from: the events of one escrow
// (time order), the time span to draw, and how events link and are flagged.
type timelineInput struct {
	label   string
	caption string
	side    string
	events  []escrowtrace.Event
	startMS float64 // > 0 for a zoomed view: what came before is left out
	spanMS  float64
	href    func(seq int) string
	flagged map[int][]string
	marks   []markAt
	// phases, when set, draw a lifecycle: each phase run gets a stretch of
	// the axis of its own (the time between phases is cut out), so that a
	// payout of a second is not a sliver beside a setup of a minute.
	phases []phaseSpan
}

// phaseSpan is a phase run's time on the escrow's clock.
type phaseSpan struct {
	name, outcome  string
	startMS, endMS float64
}

// markAt asks for a labelled vertical line at an offset.
type markAt struct {
	class, label, href string
	offsetMS           float64
}

// timelineSpan is the time the drawing covers: the escrow's duration, or the
// latest thing recorded when the file says less.
func timelineSpan(durationMS *float64, events []escrowtrace.Event) float64 {
	span := 0.0
	if durationMS != nil {
		span = *durationMS
	}
	for i := range events {
		span = max(span, events[i].OffsetMS)
	}
	if span <= 0 {
		span = 1 // a single instant still gets an axis
	}
	return span
}

// laneRoles lists the lanes: the three participants always (an empty lane
// says a role did nothing), then other role names in the file, then "" for
// events of no role.
func laneRoles(events []escrowtrace.Event) []string {
	seen := map[string]bool{}
	var extra []string
	noRole := false
	for i := range events {
		r := events[i].Role
		switch {
		case r == "":
			noRole = true
		case roleRank(r) < escrow.Participants:
		case !seen[r]:
			seen[r] = true
			extra = append(extra, r)
		}
	}
	sort.Strings(extra)
	out := make([]string, 0, escrow.Participants+len(extra)+1)
	for _, r := range escrow.Roles {
		out = append(out, string(r))
	}
	out = append(out, extra...)
	if noRole {
		out = append(out, "")
	}
	return out
}

func buildTimeline(in timelineInput) htmlTimeline {
	lanes := laneRoles(in.events)
	laneIndex := map[string]int{}
	for i, r := range lanes {
		laneIndex[r] = i
	}
	plotW := svgWidth - svgLabelW - svgRightPad
	width := in.spanMS - in.startMS
	if width <= 0 {
		in.startMS, width = 0, in.spanMS
	}
	xOf := func(ms float64) float64 {
		return svgLabelW + (math.Max(in.startMS, math.Min(ms, in.spanMS))-in.startMS)/width*plotW
	}
	var segs []axisSegment
	if len(in.phases) > 0 {
		segs = phaseSegments(in.phases, plotW)
		xOf = func(ms float64) float64 { return segmentX(segs, ms) }
	}
	lanesBottom := svgTopPad + float64(len(lanes))*svgLaneH
	height := lanesBottom + svgAxisH
	tl := htmlTimeline{
		Caption: in.caption,
		Label:   in.label,
		Side:    in.side,
		ViewBox: fmt.Sprintf("0 0 %s %s", f1(svgWidth), f1(height)),
		Height:  f1(height),
		AxisY:   f1(lanesBottom),
		PlotX:   f1(svgLabelW),
		PlotX2:  f1(svgWidth - svgRightPad),
	}
	for i, r := range lanes {
		y := svgTopPad + float64(i)*svgLaneH
		label := r
		if r == "" {
			label = "escrow"
		}
		tl.Lanes = append(tl.Lanes, htmlLane{
			Role: r, Label: label, Y: f1(y), LabelY: f1(y + svgBarY + svgBarH/2 + 4), Mid: f1(y + svgLaneH),
		})
	}

	tl.Rounds = roundBoundaries(in.events, xOf, lanesBottom)
	if segs != nil {
		tl.Ticks = segmentTicks(segs)
		tl.Phases = phaseBands(in.phases, segs, lanesBottom)
		for i := range tl.Rounds {
			r := &tl.Rounds[i]
			// A round's band ends with its phase's stretch.
			x, _ := strconv.ParseFloat(r.BandX, 64)
			for _, sg := range segs {
				if x >= sg.x0-0.05 && x <= sg.x1+0.05 {
					w, _ := strconv.ParseFloat(r.BandW, 64)
					r.BandW = f1(math.Max(0, math.Min(w, sg.x1-x)))
				}
			}
		}
	} else {
		tl.Ticks = axisTicks(in.startMS, in.spanMS, xOf)
	}

	calls, open := pairCalls(in.events)
	for _, c := range calls {
		if c.End.OffsetMS < in.startMS {
			continue
		}
		li := laneIndex[c.End.Role]
		startMS := c.End.OffsetMS - c.DurationMS
		if c.Start != nil {
			startMS = c.Start.OffsetMS
		}
		status, mark := "ok", "✓"
		if c.failed() {
			status, mark = "error", "✗"
		}
		tip := callTip(c.End, startMS, c.DurationMS, status)
		b := newBar(in, li, xOf(startMS), xOf(c.End.OffsetMS), c.End, status, mark, tip)
		tl.Lanes[li].Bars = append(tl.Lanes[li].Bars, b)
	}
	for _, s := range open {
		li := laneIndex[s.Role]
		tip := fmt.Sprintf("%s · %s\n… started at +%s and never ended (seq %d)",
			laneName(s.Role), callName(s), fmtMS(s.OffsetMS), s.Seq)
		b := newBar(in, li, xOf(s.OffsetMS), xOf(in.spanMS), s, "open", "…", tip)
		tl.Lanes[li].Bars = append(tl.Lanes[li].Bars, b)
	}

	lastLabelX := make([]float64, len(lanes))
	for i := range lastLabelX {
		lastLabelX[i] = math.Inf(-1)
	}
	for i := range in.events {
		e := &in.events[i]
		if e.OffsetMS < in.startMS {
			continue
		}
		p, ok := newPoint(in, e, xOf(e.OffsetMS), laneIndex[e.Role])
		if !ok {
			continue
		}
		li := laneIndex[e.Role]
		// Numbers of markers that would overlap are left to the tooltip and
		// the tables; the marker itself always stays.
		x := xOf(e.OffsetMS)
		if p.Label != "" && x-lastLabelX[li] < svgMinPointDX {
			p.Label = ""
		} else if p.Label != "" {
			lastLabelX[li] = x
		}
		tl.Lanes[li].Points = append(tl.Lanes[li].Points, p)
	}

	for _, m := range in.marks {
		x := xOf(m.offsetMS)
		tl.Marks = append(tl.Marks, htmlMark{
			Class: m.class, Label: m.label, Href: m.href,
			X: f1(x), Y1: f1(svgTopPad - 4), Y2: f1(lanesBottom), LabelX: f1(x + 4), LabelY: f1(lanesBottom + svgAxisH - 6),
		})
	}
	return tl
}

func newBar(in timelineInput, lane int, x0, x1 float64, e *escrowtrace.Event, status, mark, tip string) htmlBar {
	y := svgTopPad + float64(lane)*svgLaneH
	w := math.Max(svgMinBarW, x1-x0)
	b := htmlBar{
		Class: "bar " + status, Method: e.Method, Href: in.href(e.Seq), Tip: tip, Seq: e.Seq,
		X: f1(x0), Y: f1(y + svgBarY), W: f1(w), H: f1(svgBarH),
		LabelY: f1(y + svgBarY + svgBarH/2 + 4),
	}
	label := mark + " " + orUnknown(e.Method)
	if status == "error" {
		label = mark + " error " + orUnknown(e.Method)
	}
	if fit := fitLabel(label, w-8); fit != "" {
		b.Label, b.LabelX, b.LabelInside = fit, f1(x0+4), true
	}
	// A failed or unfinished call always says so in words, above the bar
	// when the bar itself is too short to hold them.
	if status != "ok" && !b.LabelInside {
		b.Callout = label
		if status == "open" {
			b.Callout = "… no end: " + orUnknown(e.Method)
		}
		cx := x0
		if cx+textWidth(b.Callout) > svgWidth-svgRightPad {
			cx = svgWidth - svgRightPad - textWidth(b.Callout)
		}
		b.CalloutX, b.CallY = f1(cx), f1(y+svgCalloutY)
	}
	return b
}

// newPoint draws a snapshot (diamond with its point number 1-7), the
// escrow's final error (✗) or an event of an unknown type (?).
func newPoint(in timelineInput, e *escrowtrace.Event, x float64, lane int) (htmlPoint, bool) {
	y := svgTopPad + float64(lane)*svgLaneH + svgPointY
	p := htmlPoint{Type: e.Type, Href: in.href(e.Seq), Seq: e.Seq, LabelX: f1(x), LabelY: f1(y + 4), Anchor: "middle"}
	switch {
	case isSnapshotType(e.Type):
		p.Class = "snapshot"
		if e.Snapshot != nil && e.Snapshot.Error != "" {
			p.Class += " partial"
		}
		p.Shape = diamond(x, y, svgPointR)
		if pi, ok := setupPoint(e.Type); ok {
			p.Label = strconv.Itoa(int(pi) + 1)
		} else if pt, ok := escrow.PointByName(e.Type); ok {
			p.Label = payoutPointLabel(pt)
		}
		p.LabelY = f1(y + svgPointR + 11)
		p.Tip = snapshotTip(e)
	case e.Type == escrowtrace.EventErrorFinal:
		p.Class = "final-error"
		p.Shape = square(x, y, svgPointR+1)
		p.Label = "✗ ERROR_FINAL"
		p.LabelX, p.Anchor = f1(x+svgPointR+4), "start"
		if x+svgPointR+4+textWidth(p.Label) > svgWidth-svgRightPad {
			p.LabelX, p.Anchor = f1(x-svgPointR-4), "end"
		}
		p.Tip = fmt.Sprintf("✗ ERROR_FINAL (seq %d, +%s)\n%s", e.Seq, fmtMS(e.OffsetMS), eventDetails(e))
	case !knownEventType(e.Type):
		p.Class = "unknown"
		p.Shape = square(x, y, svgPointR)
		p.Label = "?"
		p.LabelY = f1(y + svgPointR + 11)
		p.Tip = fmt.Sprintf("? %s (unknown event type, seq %d, +%s)\n%s", e.Type, e.Seq, fmtMS(e.OffsetMS), eventDetails(e))
	default:
		return p, false
	}
	if kinds := in.flagged[e.Seq]; len(kinds) > 0 {
		p.Class += " flagged"
		p.Flag, p.FlagX, p.FlagY = "!", f1(x), f1(y-svgPointR-3)
		p.Tip += "\n! " + strings.Join(kinds, ", ")
	}
	return p, true
}

// roundBoundaries puts a line where each round's first event is, and shades
// every other round so the eye finds them.
func roundBoundaries(events []escrowtrace.Event, xOf func(float64) float64, bottom float64) []htmlRound {
	first := map[int]float64{}
	var rounds []int
	for i := range events {
		r := events[i].Round
		if r <= 0 {
			continue
		}
		if _, ok := first[r]; !ok {
			first[r] = events[i].OffsetMS
			rounds = append(rounds, r)
		}
	}
	sort.Ints(rounds)
	out := make([]htmlRound, 0, len(rounds))
	const labelW = 48 // "round 3" at the label font
	prevLabelX, row := math.Inf(-1), 0
	for i, r := range rounds {
		x := xOf(first[r])
		end := svgWidth - svgRightPad
		if i+1 < len(rounds) {
			end = xOf(first[rounds[i+1]])
		}
		lx := math.Min(x+3, svgWidth-svgRightPad-labelW)
		// Rounds that start close together put their labels on two rows.
		if lx-prevLabelX < labelW && row == 0 {
			row = 1
		} else {
			row = 0
		}
		prevLabelX = lx
		out = append(out, htmlRound{
			Round: r, X: f1(x), LabelX: f1(lx), LabelY: f1(12 + 11*float64(row)), Y1: f1(2), Y2: f1(bottom),
			BandX: f1(x), BandW: f1(math.Max(0, end-x)), BandY: f1(svgTopPad), BandH: f1(bottom - svgTopPad),
			Odd: i%2 == 0,
		})
	}
	return out
}

// axisTicks chooses a 1-2-5 step giving at most about ten ticks.
func axisTicks(startMS, spanMS float64, xOf func(float64) float64) []htmlTick {
	step := 1.0
	for p := 1.0; ; p *= 10 {
		found := false
		for _, m := range []float64{1, 2, 5} {
			if (spanMS-startMS)/(m*p) <= 10 {
				step, found = m*p, true
				break
			}
		}
		if found {
			break
		}
	}
	var out []htmlTick
	for t := math.Ceil(startMS/step) * step; t <= spanMS+step/1e6; t += step {
		label := strconv.FormatFloat(t, 'f', -1, 64) + " ms"
		if step >= 100 {
			label = strconv.FormatFloat(t/1000, 'f', -1, 64) + " s"
		}
		out = append(out, htmlTick{X: f1(xOf(t)), Label: label})
	}
	return out
}

func callTip(end *escrowtrace.Event, startMS, durMS float64, status string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s\n", laneName(end.Role), callName(end))
	if status == "error" {
		b.WriteString("✗ error")
		if end.Error != nil {
			if end.Error.Code != nil {
				fmt.Fprintf(&b, " %d", *end.Error.Code)
			}
			fmt.Fprintf(&b, ": %s", end.Error.Message)
		}
		fmt.Fprintf(&b, " after %s", fmtMS(durMS))
	} else {
		fmt.Fprintf(&b, "✓ ok in %s", fmtMS(durMS))
	}
	fmt.Fprintf(&b, "\n+%s → +%s (seq %d)", fmtMS(startMS), fmtMS(end.OffsetMS), end.Seq)
	if end.Endpoint != "" {
		fmt.Fprintf(&b, "\nendpoint %s", end.Endpoint)
	}
	return b.String()
}

func callName(e *escrowtrace.Event) string {
	s := orUnknown(e.Method)
	if e.Round != 0 {
		s = fmt.Sprintf("round %d · %s", e.Round, s)
	}
	return s
}

func snapshotTip(e *escrowtrace.Event) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s · %s (seq %d, +%s)", laneName(e.Role), e.Type, e.Seq, fmtMS(e.OffsetMS))
	for _, f := range snapshotFields(e.Snapshot) {
		fmt.Fprintf(&b, "\n%s: %s", f[0], f[1])
	}
	return b.String()
}

// snapshotFields lists a snapshot's fields as name/value pairs, in the
// file's order, for tooltips and tables.
func snapshotFields(s *escrowtrace.Snapshot) [][2]string {
	if s == nil {
		return [][2]string{{"snapshot", "-"}}
	}
	out := [][2]string{
		{"is_multisig", strconv.FormatBool(s.IsMultisig)},
		{"ready", optBool(s.Ready)},
		{"threshold/total", optInt(s.Threshold) + "/" + optInt(s.Total)},
	}
	if s.AddressHash != "" {
		out = append(out, [2]string{"address_hash", s.AddressHash})
	}
	if s.WalletID != "" {
		out = append(out, [2]string{"wallet_id", s.WalletID})
	}
	if s.WalletFileMode != "" {
		out = append(out, [2]string{"wallet_file_mode", s.WalletFileMode})
	}
	if s.Balance != nil {
		out = append(out, [2]string{"balance", optUint(s.Balance)})
	}
	if s.UnlockedBalance != nil {
		out = append(out, [2]string{"unlocked_balance", optUint(s.UnlockedBalance)})
	}
	if s.Error != "" {
		out = append(out, [2]string{"error", s.Error})
	}
	return out
}

func laneName(role string) string {
	if role == "" {
		return "escrow"
	}
	return role
}

// fitLabel is label cut to width with an ellipsis, keeping the ✓/✗ mark
// and at least four letters of the name; "" when even that does not fit.
func fitLabel(label string, width float64) string {
	if textWidth(label) <= width {
		return label
	}
	r := []rune(label)
	n := int(width/svgCharW) - 1 // room for the ellipsis
	const minRunes = 2 + 4       // mark, space and four letters
	if n < minRunes {
		return ""
	}
	return string(r[:min(n, len(r))]) + "…"
}

func textWidth(s string) float64 { return float64(len([]rune(s))) * svgCharW }

func diamond(x, y, r float64) string {
	return fmt.Sprintf("%s,%s %s,%s %s,%s %s,%s", f1(x), f1(y-r), f1(x+r), f1(y), f1(x), f1(y+r), f1(x-r), f1(y))
}

func square(x, y, r float64) string {
	return fmt.Sprintf("%s,%s %s,%s %s,%s %s,%s", f1(x-r), f1(y-r), f1(x+r), f1(y-r), f1(x+r), f1(y+r), f1(x-r), f1(y+r))
}

// f1 formats a coordinate with one decimal: enough for a screen, and stable
// for golden files.
func f1(v float64) string { return strconv.FormatFloat(v, 'f', 1, 64) }

// zoomStart is where a second, zoomed view of the rounds begins, when the
// time before round 1 (wallet creation, seconds) squeezes the rounds into a
// sliver of the full view; ok is false when the full view shows them well.
func zoomStart(spanMS float64, events ...[]escrowtrace.Event) (float64, bool) {
	first := math.Inf(1)
	for _, evs := range events {
		for i := range evs {
			if evs[i].Round > 0 {
				first = math.Min(first, evs[i].OffsetMS)
				break
			}
		}
	}
	if math.IsInf(first, 1) || first < 0.3*spanMS {
		return 0, false
	}
	// A little room before the first round's line.
	return math.Max(0, first-0.01*(spanMS-first)), true
}

// zoomed is the same drawing from start on, or nil when no zoom is due.
func zoomed(in timelineInput, start float64, ok bool) *htmlTimeline {
	if !ok {
		return nil
	}
	in.startMS = start
	in.label += " (zoomed on the rounds)"
	in.caption = "Rounds zoomed in: from +" + fmtMS(start) + " to +" + fmtMS(in.spanMS)
	tl := buildTimeline(in)
	return &tl
}

// axisSegment is a phase run's stretch of the drawing: [x0, x1] shows
// [startMS, endMS] of the escrow's clock.
type axisSegment struct {
	startMS, endMS float64
	x0, x1         float64
}

// svgPhaseGap is the cut between two phases' stretches.
const svgPhaseGap = 14.0

// phaseSegments shares the plot among the phase runs by their durations,
// each at least a tenth of the whole, with a cut between two runs.
func phaseSegments(phases []phaseSpan, plotW float64) []axisSegment {
	total := 0.0
	for _, p := range phases {
		total += math.Max(0, p.endMS-p.startMS)
	}
	if total <= 0 {
		total = 1
	}
	weights := make([]float64, len(phases))
	sum := 0.0
	for i, p := range phases {
		weights[i] = math.Max(math.Max(0, p.endMS-p.startMS), total/10)
		sum += weights[i]
	}
	avail := plotW - svgPhaseGap*float64(len(phases)-1)
	out := make([]axisSegment, len(phases))
	x := svgLabelW
	for i, p := range phases {
		w := weights[i] / sum * avail
		out[i] = axisSegment{startMS: p.startMS, endMS: math.Max(p.endMS, p.startMS), x0: x, x1: x + w}
		x += w + svgPhaseGap
	}
	return out
}

// segmentX places an offset: inside a run's stretch linearly; in the time
// between two runs, at the end of the earlier one.
func segmentX(segs []axisSegment, ms float64) float64 {
	for i := len(segs) - 1; i >= 0; i-- {
		s := segs[i]
		if ms < s.startMS && i > 0 {
			continue
		}
		if s.endMS <= s.startMS {
			return s.x0
		}
		f := (math.Min(math.Max(ms, s.startMS), s.endMS) - s.startMS) / (s.endMS - s.startMS)
		return s.x0 + f*(s.x1-s.x0)
	}
	return svgLabelW
}

// segmentTicks labels each run's start and end with its offset since the
// escrow began.
func segmentTicks(segs []axisSegment) []htmlTick {
	const minDX = 70 // labels closer than this would overlap
	var out []htmlTick
	lastX := math.Inf(-1)
	add := func(x, at float64) {
		if x-lastX < minDX {
			return
		}
		out = append(out, htmlTick{X: f1(x), Label: "+" + fmtSeconds(at)})
		lastX = x
	}
	for i, s := range segs {
		add(s.x0, s.startMS)
		if i == len(segs)-1 {
			add(s.x1-24, s.endMS) // the label's middle, inside the drawing
		}
	}
	return out
}

func fmtSeconds(ms float64) string {
	return strconv.FormatFloat(ms/1000, 'f', 1, 64) + " s"
}

// phaseBands are the labelled bands of the phase runs.
func phaseBands(phases []phaseSpan, segs []axisSegment, bottom float64) []htmlPhaseBand {
	out := make([]htmlPhaseBand, len(phases))
	for i, p := range phases {
		s := segs[i]
		label := p.name + " " + outcomeMark(p.outcome)
		if fit := fitLabel(label, s.x1-s.x0-4); fit != "" {
			label = fit
		} else {
			label = outcomeMark(p.outcome)
		}
		b := htmlPhaseBand{
			Name: p.name, Outcome: p.outcome, Label: label,
			X: f1(s.x0), W: f1(math.Max(1, s.x1-s.x0)), Y: f1(svgTopPad), H: f1(bottom - svgTopPad),
			LabelX: f1(s.x0 + 3), LabelY: f1(12),
		}
		if i > 0 {
			b.BreakX = f1(s.x0 - svgPhaseGap/2)
		}
		out[i] = b
	}
	return out
}

// payoutPointLabel is the letter a funding or payout snapshot shows on the
// timeline (the legend explains them).
func payoutPointLabel(p escrow.Point) string {
	switch p {
	case escrow.PointFunded:
		return "F"
	case escrow.PointPreSync:
		return "R"
	case escrow.PointPostSync:
		return "I"
	case escrow.PointPostSign:
		return "S"
	case escrow.PointPayoutFinal:
		return "E"
	}
	return ""
}
