package analysis

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// TextOptions tune the human-readable output.
type TextOptions struct {
	// Color adds ANSI colours. The CLI sets it only when stdout is a terminal
	// and NO_COLOR is unset.
	Color bool
}

const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
)

// textWriter keeps the first write error so that rendering code stays linear.
type textWriter struct {
	w     *bufio.Writer
	color bool
	err   error
}

func newTextWriter(w io.Writer, o TextOptions) *textWriter {
	return &textWriter{w: bufio.NewWriter(w), color: o.Color}
}

// painted is text the renderer made safe (and maybe coloured) already; every
// other string printf prints is escaped first, since it may come from a file.
type painted string

// printf writes format with its arguments; string arguments (a file's IDs,
// roles, methods, messages) have their control characters escaped, so that a
// hostile file cannot drive the terminal; painted ones are written as they are.
func (t *textWriter) printf(format string, args ...any) {
	if t.err != nil {
		return
	}
	for i, a := range args {
		switch v := a.(type) {
		case painted:
			args[i] = string(v)
		case string:
			args[i] = EscapeControl(v)
		case Kind:
			args[i] = EscapeControl(string(v))
		}
	}
	_, t.err = fmt.Fprintf(t.w, format, args...)
}

// paint escapes s and colours it when colour is on.
func (t *textWriter) paint(code, s string) painted {
	s = EscapeControl(s)
	if !t.color || s == "" {
		return painted(s)
	}
	return painted(code + s + ansiReset)
}

func (t *textWriter) flush() error {
	if t.err != nil {
		return t.err
	}
	return t.w.Flush()
}

// WriteTimelineText writes the events one per line, as the seed showed them:
// "[+   50ms]   RPC_CALL_START  role=buyer round=1 method=prepare_multisig",
// with ✓ on calls that succeeded and ✗ on failures.
func WriteTimelineText(w io.Writer, tl *Timeline, o TextOptions) error {
	t := newTextWriter(w, o)
	writeHeader(t, tl)
	t.printf("\n")
	var runs []int
	if tl.Lifecycle {
		runs = phaseIndexes(tl.Phases, tl.Events)
	}
	for i := range tl.Events {
		if runs != nil && (i == 0 || runs[i] != runs[i-1]) {
			t.printf("%s\n", t.paint(ansiBold, phaseBanner(tl, runs[i], &tl.Events[i])))
		}
		t.printf("%s\n", eventLine(t, &tl.Events[i]))
	}
	t.printf("\n")
	writeOutcome(t, tl)
	return t.flush()
}

func writeHeader(t *textWriter, tl *Timeline) {
	t.printf("%s %s  trace %s", t.paint(ansiBold, "escrow"), t.paint(ansiBold, tl.EscrowID), tl.TraceID)
	if tl.Service != "" {
		t.printf("  service %s", tl.Service)
	}
	t.printf("\nstarted %s", tl.StartedAt.UTC().Format(time.RFC3339Nano))
	if tl.DurationMS != nil {
		t.printf("  duration %s", fmtMS(*tl.DurationMS))
	}
	t.printf("  events %d\n", len(tl.Events))
	if tl.Lifecycle {
		t.printf("phases  %s\n", phaseList(tl.Phases))
	}
	if len(tl.UnknownTypes) > 0 {
		t.printf("note: event types unknown to this analyzer, shown as they are: %s\n", strings.Join(tl.UnknownTypes, ", "))
	}
}

// writeOutcome says the outcome in words.
func writeOutcome(t *textWriter, tl *Timeline) {
	if tl.Lifecycle {
		writeLifecycleOutcome(t, tl)
		return
	}
	switch tl.Outcome {
	case escrowtrace.OutcomeSuccess:
		t.printf("%s\n", t.paint(ansiGreen, "✓ success: the 2-of-3 multisig setup finished"))
	case escrowtrace.OutcomeFailed:
		t.printf("%s\n", t.paint(ansiRed, "✗ failed"+failureWords(tl.Error)))
	case escrowtrace.OutcomeIncomplete:
		t.printf("%s\n", t.paint(ansiYellow,
			"… incomplete: the escrow never finished (its root span did not end); shown is what was recorded until then"))
	default:
		t.printf("outcome %q\n", tl.Outcome)
	}
}

func failureWords(e *escrowtrace.FileError) string {
	if e == nil {
		return ""
	}
	var where []string
	if e.Round != 0 {
		where = append(where, "round "+strconv.Itoa(e.Round))
	}
	if e.Role != "" {
		where = append(where, e.Role)
	}
	if e.Operation != "" {
		where = append(where, e.Operation)
	}
	s := ""
	if len(where) > 0 {
		s = " in " + strings.Join(where, ", ")
	}
	return s + ": " + e.Message
}

// offsetCell is the seed's "[+  50ms]".
func offsetCell(off float64) string {
	return fmt.Sprintf("[+%5.0fms]", off)
}

func markCell(t *textWriter, e *escrowtrace.Event) painted {
	switch MarkOf(e) {
	case MarkOK:
		return t.paint(ansiGreen, "✓")
	case MarkFail:
		return t.paint(ansiRed, "✗")
	case MarkUnknown:
		return t.paint(ansiYellow, "?")
	}
	return " "
}

func eventLine(t *textWriter, e *escrowtrace.Event) painted {
	typ := painted(EscapeControl(fmt.Sprintf("%-29s", e.Type)))
	switch MarkOf(e) {
	case MarkFail:
		typ = t.paint(ansiRed, string(typ))
	case MarkUnknown:
		typ = t.paint(ansiYellow, string(typ))
	}
	line := fmt.Sprintf("%s %s %s %s", t.paint(ansiDim, offsetCell(e.OffsetMS)), markCell(t, e), typ, EscapeControl(eventDetails(e)))
	return painted(strings.TrimRight(line, " "))
}

// eventDetails is everything shown after the type: the key fields, then what
// the type carries.
func eventDetails(e *escrowtrace.Event) string {
	k := KeyOf(e)
	k.Type, k.Phase = "", ""
	parts := []string{strings.TrimSpace(k.String())}
	switch {
	case e.Type == escrowtrace.EventRPCCallStart:
		if e.Endpoint != "" {
			parts = append(parts, "endpoint="+e.Endpoint)
		}
	case e.Type == escrowtrace.EventRPCCallEnd || e.Type == escrowtrace.EventRPCCallError:
		if e.DurationMS != nil {
			parts = append(parts, fmtMS(*e.DurationMS))
		}
	case e.Snapshot != nil:
		parts = append(parts, snapshotCells(*e.Snapshot))
		if p, ok := escrow.PointByName(e.Type); ok && !p.IsSetup() {
			parts = append(parts, payoutCells(*e.Snapshot))
		}
	}
	if e.Context != nil {
		if e.Context.Operation != "" {
			parts = append(parts, "operation="+e.Context.Operation)
		}
		if e.Context.WalletID != "" {
			parts = append(parts, "wallet="+e.Context.WalletID)
		}
	}
	if e.Error != nil {
		s := ""
		if e.Error.Code != nil {
			s = "code=" + strconv.Itoa(*e.Error.Code) + " "
		}
		parts = append(parts, s+strconv.Quote(e.Error.Message))
	}
	parts = append(parts, extraCells(e.Extra)...)
	var out []string
	for _, p := range parts {
		if p != "" {
			out = append(out, p)
		}
	}
	return strings.Join(out, " ")
}

// extraCells shows fields this analyzer does not know, so nothing a newer
// writer adds is hidden.
func extraCells(extra map[string]json.RawMessage) []string {
	keys := make([]string, 0, len(extra))
	for k := range extra {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	out := make([]string, 0, len(keys))
	for _, k := range keys {
		out = append(out, k+"="+compactJSON(extra[k], 60))
	}
	return out
}

func snapshotCells(s escrowtrace.Snapshot) string {
	parts := []string{"multisig=" + strconv.FormatBool(s.IsMultisig)}
	if s.Ready != nil {
		parts = append(parts, "ready="+strconv.FormatBool(*s.Ready))
	}
	if s.Threshold != nil || s.Total != nil {
		parts = append(parts, optInt(s.Threshold)+"/"+optInt(s.Total))
	}
	if s.AddressHash != "" {
		parts = append(parts, "addr="+s.AddressHash)
	}
	if s.WalletFileMode != "" {
		parts = append(parts, "mode="+s.WalletFileMode)
	}
	if s.Balance != nil {
		parts = append(parts, "balance="+strconv.FormatUint(*s.Balance, 10))
	}
	if s.Error != "" {
		parts = append(parts, "snapshot_error="+strconv.Quote(s.Error))
	}
	return strings.Join(parts, " ")
}

// WriteAnalysisText writes one escrow's analysis: outcome, RPC statistics,
// snapshot progression, errors with context and anomalies with cause and fix.
func WriteAnalysisText(w io.Writer, a *Analysis, o TextOptions) error {
	t := newTextWriter(w, o)
	writeHeader(t, a.Timeline)
	writeOutcome(t, a.Timeline)
	if k := a.RootCause(); k != "" {
		t.printf("root cause: %s\n", t.paint(ansiYellow, string(k)))
	}

	t.printf("\n%s\n", t.paint(ansiBold, "RPC calls (ms)"))
	if len(a.RPC) == 0 {
		t.printf("  none\n")
	} else {
		t.printf("  %-24s %-8s %6s %6s %8s %8s %8s\n", "method", "role", "calls", "errors", "p50", "p95", "max")
		for _, m := range a.RPC {
			writeLatencyRow(t, m.Method, "all", m.Latency)
			for _, r := range m.ByRole {
				writeLatencyRow(t, "", r.Role, r.Latency)
			}
		}
	}

	if showsSetup(a.Lifecycle) {
		writeSetupSnapshots(t, a)
	}

	if lc := a.Lifecycle; lc != nil {
		writeLifecycleText(t, lc)
	}

	t.printf("\n%s\n", t.paint(ansiBold, "Errors"))
	if len(a.Errors) == 0 {
		t.printf("  none\n")
	}
	for _, r := range a.Errors {
		t.printf("  #%d %s\n", r.Event.Seq, eventLine(t, &r.Event))
		for _, b := range r.Before {
			t.printf("      after #%d %s\n", b.Seq, eventLine(t, &b))
		}
	}

	t.printf("\n%s\n", t.paint(ansiBold, fmt.Sprintf("Anomalies (%d)", len(a.Anomalies))))
	if len(a.Anomalies) == 0 {
		t.printf("  none\n")
	}
	for _, an := range a.Anomalies {
		t.printf("  %s %s\n", t.paint(ansiYellow, string(an.Kind)), anomalyWhere(an))
		t.printf("      %s\n", an.Message)
		t.printf("      cause: %s\n", an.Cause)
		t.printf("      fix:   %s\n", an.Hint)
	}
	return t.flush()
}

func anomalyWhere(an Anomaly) string {
	var parts []string
	if an.Role != "" {
		parts = append(parts, "role="+an.Role)
	}
	if an.Round != 0 {
		parts = append(parts, "round="+strconv.Itoa(an.Round))
	}
	if an.Seq != nil {
		parts = append(parts, "seq="+strconv.Itoa(*an.Seq))
	}
	if an.Phase != "" && an.Phase != escrow.PhaseSetup {
		parts = append(parts, "phase="+string(an.Phase))
	}
	return strings.Join(parts, " ")
}

func writeLatencyRow(t *textWriter, method, role string, l Latency) {
	t.printf("  %-24s %-8s %6d %6d %8s %8s %8s\n", method, role, l.Calls, l.Errors,
		fmtNum(l.P50MS), fmtNum(l.P95MS), fmtNum(l.MaxMS))
}

// fmtNum shows a millisecond value without its unit.
func fmtNum(v float64) string { return strings.TrimSuffix(fmtMS(v), "ms") }

// WriteDiffText writes the first divergence, then the aligned steps side by
// side with timing deltas (B minus A) and differing snapshot fields.
func WriteDiffText(w io.Writer, d *Diff, o TextOptions) error {
	t := newTextWriter(w, o)
	t.printf("A: escrow %s (%s, %d events)\nB: escrow %s (%s, %d events)\n",
		d.A.EscrowID, d.A.Outcome, d.A.Events, d.B.EscrowID, d.B.Outcome, d.B.Events)
	if d.First == nil {
		t.printf("%s\n", t.paint(ansiGreen, fmt.Sprintf("No divergence: A and B go through the same %d steps with the same snapshot fields.", len(d.Steps))))
	} else {
		t.printf("%s\n  reason: %s\n", t.paint(ansiRed, fmt.Sprintf("Divergence at event #%d: A: %s, B: %s",
			d.First.Index, keyOrNone(d.First.A), keyOrNone(d.First.B))), d.First.Reason)
	}

	cells := make([]string, len(d.Steps))
	width := 1
	for i, s := range d.Steps {
		cells[i] = EscapeControl(stepCell(s.A))
		width = max(width, utf8.RuneCountInString(cells[i]))
	}
	t.printf("\n  %4s   %-*s   %-*s   %s\n", "#", width, "A", width, "B", "Δ offset (Δ call)")
	for i, s := range d.Steps {
		mark := " "
		switch {
		case s.A == nil:
			mark = ">"
		case s.B == nil:
			mark = "<"
		case !s.Match:
			mark = "!"
		case len(s.Fields) > 0:
			mark = "~"
		}
		if mark != " " {
			mark = string(t.paint(ansiRed, mark))
		}
		delta := ""
		if s.OffsetDeltaMS != nil {
			delta = signedMS(*s.OffsetDeltaMS)
			if s.DurationDeltaMS != nil {
				delta += " (" + signedMS(*s.DurationDeltaMS) + ")"
			}
		}
		line := fmt.Sprintf("  %4d %s %s   %s   %s", s.Index, mark, padRight(cells[i], width), padRight(EscapeControl(stepCell(s.B)), width), delta)
		t.printf("%s\n", painted(strings.TrimRight(line, " ")))
		for _, f := range s.Fields {
			t.printf("         %s: %s -> %s\n", f.Field, f.A, f.B)
		}
	}
	return t.flush()
}

func keyOrNone(e *escrowtrace.Event) string {
	if e == nil {
		return "(none)"
	}
	return KeyOf(e).String()
}

func stepCell(e *escrowtrace.Event) string {
	if e == nil {
		return "-"
	}
	return offsetCell(e.OffsetMS) + " " + KeyOf(e).String()
}

func padRight(s string, width int) string {
	if n := utf8.RuneCountInString(s); n < width {
		return s + strings.Repeat(" ", width-n)
	}
	return s
}

func signedMS(v float64) string {
	if v >= 0 {
		return "+" + fmtMS(v)
	}
	return "-" + fmtMS(-v)
}

// WriteStatsText writes the summary of many escrows.
func WriteStatsText(w io.Writer, s *Stats, o TextOptions) error {
	t := newTextWriter(w, o)
	t.printf("files %d  success %d  failed %d  incomplete %d  unreadable %d\n",
		s.Files, s.Success, s.Failed, s.Incomplete, s.Unreadable)
	t.printf("failure rate %s\n", pct(s.FailureRate()))
	for _, u := range s.UnreadableFiles {
		t.printf("  %s %s\n", t.paint(ansiRed, "unreadable:"), u.Error)
	}
	if s.Unreadable > len(s.UnreadableFiles) {
		t.printf("  ... and %d more unreadable files\n", s.Unreadable-len(s.UnreadableFiles))
	}

	if s.Failed > 0 {
		t.printf("\n%s\n", t.paint(ansiBold, "Failures"))
		rounds := map[string]int{}
		for r, n := range s.FailuresByRound {
			label := "round " + strconv.Itoa(r)
			if r == 0 {
				label = "no round"
			}
			rounds[label] = n
		}
		if s.FailuresByPhase != nil {
			phases := map[string]int{}
			for p, n := range s.FailuresByPhase {
				phases[string(p)] = n
			}
			writeCounts(t, "by phase", phases)
		}
		writeCounts(t, "by round", rounds)
		writeCounts(t, "by role", s.FailuresByRole)
		writeCounts(t, "by method", s.FailuresByMethod)
		kinds := map[string]int{}
		for k, n := range s.FailuresByAnomaly {
			kinds[string(k)] = n
		}
		writeCounts(t, "by anomaly", kinds)

		t.printf("\n%s\n", t.paint(ansiBold, "Root causes of failures"))
		t.printf("  %-32s %7s %12s\n", "kind", "failed", "of failures")
		for _, k := range RootCauseOrder() {
			if n := s.FailuresByRootCause[k]; n > 0 {
				t.printf("  %-32s %7d %12s\n", k, n, pct(float64(n)/float64(s.Failed)))
			}
		}
		if n := s.FailuresByRootCause[""]; n > 0 {
			t.printf("  %-32s %7d %12s\n", "(none)", n, pct(float64(n)/float64(s.Failed)))
		}
		t.printf("  named by a root-cause kind: %s of failures\n", pct(s.RootCauseShare()))
	}

	t.printf("\n%s\n", t.paint(ansiBold, "Anomaly kinds and failure"))
	if len(s.Anomalies) == 0 {
		t.printf("  none\n")
	} else {
		t.printf("  %-32s %11s %7s %7s %10s %12s\n", "kind", "occurrences", "files", "failed", "fail rate", "of failures")
		for _, k := range s.Anomalies {
			t.printf("  %-32s %11d %7d %7d %10s %12s\n", k.Kind, k.Occurrences, k.Files, k.FailedFiles,
				pct(k.FailRate), pct(k.ShareOfFailures))
		}
	}

	t.printf("\n%s\n", t.paint(ansiBold, fmt.Sprintf("RPC latency (ms; percentiles within %.0f%%)", QuantileRelErr*100+0.5)))
	if len(s.RPC) == 0 {
		t.printf("  none\n")
	} else {
		t.printf("  %-24s %8s %7s %8s %8s %8s %8s\n", "method", "calls", "errors", "p50", "p95", "p99", "max")
		for _, m := range s.RPC {
			t.printf("  %-24s %8d %7d %8s %8s %8s %8s\n", m.Method, m.Calls, m.Errors,
				fmtNum(m.P50MS), fmtNum(m.P95MS), fmtNum(m.P99MS), fmtNum(m.MaxMS))
		}
	}
	return t.flush()
}

// writeCounts writes "label: a 3, b 1" with the largest first.
func writeCounts(t *textWriter, label string, counts map[string]int) {
	if len(counts) == 0 {
		return
	}
	keys := make([]string, 0, len(counts))
	for k := range counts {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		if counts[keys[i]] != counts[keys[j]] {
			return counts[keys[i]] > counts[keys[j]]
		}
		return keys[i] < keys[j]
	})
	parts := make([]string, len(keys))
	for i, k := range keys {
		parts[i] = fmt.Sprintf("%s %d", k, counts[k])
	}
	t.printf("  %-11s %s\n", label+":", strings.Join(parts, ", "))
}

func pct(f float64) string { return strconv.FormatFloat(f*100, 'f', 1, 64) + "%" }

// showsSetup reports whether the analysis shows the setup: a file without
// lifecycle phases is a setup, and a lifecycle view has it unless --phase
// picked a later phase (whose view would show seven empty setup points).
func showsSetup(lc *Lifecycle) bool {
	if lc == nil {
		return true
	}
	for _, p := range lc.Phases {
		if p.Name == escrow.PhaseSetup {
			return true
		}
	}
	return false
}

// writeSetupSnapshots prints each role's progression over the setup's
// snapshot points.
func writeSetupSnapshots(t *textWriter, a *Analysis) {
	t.printf("\n%s\n", t.paint(ansiBold, "Snapshots"))
	for _, rp := range a.Progression.Roles {
		t.printf("  %s (%d of %d)\n", rp.Role, rp.Count(), escrow.NumSetupPoints)
		for i, p := range rp.Points {
			name := escrow.Point(i).Short()
			if p == nil {
				t.printf("    %-22s %s\n", name, t.paint(ansiDim, "-"))
				continue
			}
			t.printf("    %-22s #%-4d %s\n", name, p.Seq, snapshotCells(p.Snapshot))
		}
	}
}
