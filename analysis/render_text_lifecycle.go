package analysis

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// The lifecycle's part of the text output: shown only for a file that holds
// more than the setup, so that a setup's output reads as before.

// phaseList is "setup ✓ success, fund ✓ success, release ✗ failed".
func phaseList(phases []escrowtrace.PhaseRecord) string {
	parts := make([]string, len(phases))
	for i, p := range phases {
		parts[i] = string(p.Name) + " " + outcomeMark(p.Outcome) + " " + p.Outcome
		if p.DurationMS != nil {
			parts[i] += " " + fmtMS(*p.DurationMS)
		}
	}
	return strings.Join(parts, ", ")
}

func outcomeMark(outcome string) string {
	switch outcome {
	case escrowtrace.OutcomeSuccess:
		return "✓"
	case escrowtrace.OutcomeFailed:
		return "✗"
	case escrowtrace.OutcomeIncomplete:
		return "…"
	}
	return "?"
}

// phaseBanner heads the timeline's events of one phase run.
func phaseBanner(tl *Timeline, run int, first *escrowtrace.Event) string {
	if run < 0 || run >= len(tl.Phases) {
		return "── " + string(phaseOf(first)) + " ──"
	}
	p := tl.Phases[run]
	s := fmt.Sprintf("── %s (%s %s", p.Name, outcomeMark(p.Outcome), p.Outcome)
	if p.DurationMS != nil {
		s += ", " + fmtMS(*p.DurationMS)
	}
	return s + ") ──"
}

// lifecycleOutcome is the latest phase's outcome in words.
func lifecycleOutcome(tl *Timeline) (text, detail string) {
	phase := escrow.PhaseSetup
	if n := len(tl.Phases); n > 0 {
		phase = tl.Phases[n-1].Name
	}
	switch tl.Outcome {
	case escrowtrace.OutcomeSuccess:
		return "✓ success", phaseDone(phase)
	case escrowtrace.OutcomeFailed:
		return "✗ failed", "in " + string(phase) + failureWordsIn(tl.Error)
	case escrowtrace.OutcomeIncomplete:
		return "… incomplete", "the " + string(phase) + " never finished (its root span did not end); shown is what was recorded until then"
	}
	return "? " + tl.Outcome, ""
}

func phaseDone(p escrow.Phase) string {
	switch p {
	case escrow.PhaseSetup:
		return "the 2-of-3 multisig setup finished"
	case escrow.PhaseFund:
		return "the escrow is funded"
	case escrow.PhaseRelease:
		return "released: the vendor was paid"
	case escrow.PhaseRefund:
		return "refunded: the buyer was paid back"
	case escrow.PhaseResolve:
		return "resolved: the dispute's winner was paid"
	}
	return string(p) + " finished"
}

// failureWordsIn is failureWords after a phase: ", buyer, transfer: msg".
func failureWordsIn(e *escrowtrace.FileError) string {
	s := failureWords(e)
	if rest, ok := strings.CutPrefix(s, " in "); ok {
		return ", " + rest
	}
	return s
}

func writeLifecycleOutcome(t *textWriter, tl *Timeline) {
	text, detail := lifecycleOutcome(tl)
	code := ansiYellow
	switch tl.Outcome {
	case escrowtrace.OutcomeSuccess:
		code = ansiGreen
	case escrowtrace.OutcomeFailed:
		code = ansiRed
	}
	sep := ": "
	if tl.Outcome == escrowtrace.OutcomeFailed {
		sep = " "
	}
	t.printf("%s\n", t.paint(code, text+sep+detail))
}

// payoutCells are the fields the funding and payout snapshots add.
func payoutCells(s escrowtrace.Snapshot) string {
	var parts []string
	if s.UnlockedBalance != nil {
		parts = append(parts, "unlocked="+strconv.FormatUint(*s.UnlockedBalance, 10))
	}
	if s.MultisigImportNeeded != nil {
		parts = append(parts, "import_needed="+strconv.FormatBool(*s.MultisigImportNeeded))
	}
	if s.Height != nil {
		parts = append(parts, "height="+strconv.FormatUint(*s.Height, 10))
	}
	return strings.Join(parts, " ")
}

// writeLifecycleText writes the phases, the funding and payout snapshots
// (the balance of each wallet at each of them) and each payout's steps.
func writeLifecycleText(t *textWriter, lc *Lifecycle) {
	t.printf("\n%s\n", t.paint(ansiBold, "Phases"))
	t.printf("  %-8s %-12s %9s %7s %6s %7s  %s\n", "phase", "outcome", "duration", "events", "calls", "errors", "root cause")
	for _, p := range lc.Phases {
		dur := "-"
		if p.DurationMS != nil {
			dur = fmtMS(*p.DurationMS)
		}
		root := string(p.RootCause)
		if root == "" {
			root = "-"
		}
		t.printf("  %-8s %-12s %9s %7d %6d %7d  %s\n", p.Name, outcomeMark(p.Outcome)+" "+p.Outcome, dur, p.Events, p.Calls, p.Errors, root)
		if p.Error != nil {
			t.printf("           %s\n", t.paint(ansiRed, strings.TrimPrefix(failureWords(p.Error), " in ")))
		}
	}
	if lc.Funded != nil {
		t.printf("  funded with %d (atomic units, SNAPSHOT_FUNDED)\n", *lc.Funded)
	}

	t.printf("\n%s\n", t.paint(ansiBold, "Funding and payout snapshots"))
	any := false
	for _, p := range lc.Phases {
		if len(p.Snapshots) == 0 {
			continue
		}
		any = true
		t.printf("  %s\n", p.Name)
		for _, s := range p.Snapshots {
			t.printf("    %-13s %-8s #%-4d %s\n", s.Point.Short(), s.Role, s.Seq, balanceCells(s.Snapshot))
		}
	}
	if !any {
		t.printf("  none\n")
	}

	for _, p := range lc.Phases {
		if len(p.Steps) == 0 {
			continue
		}
		t.printf("\n%s\n", t.paint(ansiBold, fmt.Sprintf("Payout steps: %s (signers %s; %s builds the transfer)",
			p.Name, strings.Join(p.Signers, ", "), p.Signers[0])))
		head := fmt.Sprintf("  %-10s %-22s", "step", "call")
		for _, r := range escrow.Roles {
			head += fmt.Sprintf(" %-18s", r)
		}
		t.printf("%s\n", painted(strings.TrimRight(head, " ")))
		for _, st := range p.Steps {
			line := fmt.Sprintf("  %-10s %-22s", EscapeControl(st.Name), EscapeControl(st.Call))
			for _, c := range st.Cells {
				line += " " + string(stepCellText(t, c, st.Call, 18))
			}
			t.printf("%s\n", painted(strings.TrimRight(line, " ")))
		}
	}
}

// balanceCells is a funding or payout snapshot's balances and state.
func balanceCells(s escrowtrace.Snapshot) string {
	parts := []string{"balance=" + optUint(s.Balance)}
	if c := payoutCells(s); c != "" {
		parts = append(parts, c)
	}
	if s.Error != "" {
		parts = append(parts, "snapshot_error="+strconv.Quote(s.Error))
	}
	return strings.Join(parts, " ")
}

// stepCellPlain is a payout step cell in words: "✓ #63", "✗ sweep_all #79"
// (the method when it is not the step's call),
// "skipped", "not reached", "·" (no part in the step).
func stepCellPlain(c StepCell, call string) string {
	what := "#" + strconv.Itoa(c.Seq)
	if c.Method != call {
		what = c.Method + " " + what
	}
	switch c.Status {
	case StepOK:
		return "✓ " + what
	case StepError:
		return "✗ " + what
	case StepSkipped:
		return "skipped"
	case StepNotReached:
		return "not reached"
	}
	return "·"
}

// stepCellText is the cell padded to width, coloured when colour is on.
func stepCellText(t *textWriter, c StepCell, call string, width int) painted {
	s := padRight(EscapeControl(stepCellPlain(c, call)), width)
	switch c.Status {
	case StepError:
		return t.paint(ansiRed, s)
	case StepSkipped:
		return t.paint(ansiYellow, s)
	case StepNotReached, StepNone:
		return t.paint(ansiDim, s)
	}
	return t.paint(ansiGreen, s)
}
