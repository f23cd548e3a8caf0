package analysis

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// The payout's anomaly kinds (shared/escrow-trace, "Lifecycle additions").
// Each is detected per run of a payout phase, on the events of that run only:
// the same wallet server may serve other roles in another phase, and a
// retried payout starts afresh.

// phaseRun is one run of a phase: its record and its events in seq order.
type phaseRun struct {
	rec    escrowtrace.PhaseRecord
	events []escrowtrace.Event
}

// runs splits the events by the phase run they belong to; a file of the
// setup alone is one run of the setup.
func (in *detectInput) runs() []phaseRun {
	if in.phases == nil {
		return []phaseRun{{rec: escrowtrace.PhaseRecord{Name: escrow.PhaseSetup, Outcome: in.file.Outcome}, events: in.events}}
	}
	out := make([]phaseRun, len(in.phases))
	for k, r := range in.phases {
		out[k].rec = r
	}
	idx := phaseIndexes(in.phases, in.events)
	for i, k := range idx {
		if k >= 0 {
			out[k].events = append(out[k].events, in.events[i])
		}
	}
	return out
}

func (in *detectInput) payoutRuns() []phaseRun {
	var out []phaseRun
	for _, r := range in.runs() {
		if r.rec.Name.IsPayout() {
			out = append(out, r)
		}
	}
	return out
}

// fundedBefore says whether the escrow was seen funded before a payout run
// began, and with how much when a SNAPSHOT_FUNDED said it (amount nil
// otherwise): a payout asked for before the funding has nothing to find.
func (in *detectInput) fundedBefore(run phaseRun) (ok bool, amount *uint64) {
	if len(run.events) == 0 {
		return false, nil
	}
	first := run.events[0].Seq
	var before []escrowtrace.Event
	for i := range in.events {
		if in.events[i].Seq < first {
			before = append(before, in.events[i])
		}
	}
	amount = fundedAmount(before)
	if amount != nil && *amount > 0 {
		return true, amount
	}
	for _, r := range in.phases {
		if r.Name == escrow.PhaseFund && r.Outcome == escrowtrace.OutcomeSuccess && r.EndedAt != nil && !r.EndedAt.After(run.rec.StartedAt) {
			return true, nil
		}
	}
	return false, nil
}

// firstSnapshot is the role's first snapshot at point in the run, or nil.
func firstSnapshot(events []escrowtrace.Event, role string, p escrow.Point) *escrowtrace.Event {
	for i := range events {
		e := &events[i]
		if e.Type == p.Name() && e.Role == role && e.Snapshot != nil {
			return e
		}
	}
	return nil
}

// evidence collects what the trace shows for one finding; the first piece
// names the event the finding points at.
type evidence struct {
	seq   *int
	parts []string
}

func (ev *evidence) add(seq int, s string) {
	if ev.seq == nil {
		ev.seq = seqPtr(seq)
	}
	ev.parts = append(ev.parts, s)
}

func (ev *evidence) text() string { return strings.Join(ev.parts, "; ") }

func fmtAmount(v *uint64) string {
	if v == nil {
		return "-"
	}
	return strconv.FormatUint(*v, 10)
}

// payoutAdvice is the likely cause and the fix of a payout kind (and of the
// wallet's answers that show it).
func payoutAdvice(k Kind) (cause, hint string) {
	switch k {
	case KindImportBeforeRefresh:
		return "import_multisig_info ran on a wallet that had not caught up with the chain: without refresh the wallet does not yet know the escrow's outputs, so the import matches no output, the wallet sees balance 0 and the payout cannot be built or signed (monero-wallet-rpc 0.18: sweep_all answers -4 \"No unlocked balance\", sign_multisig -35 stale data). It looks random in production: the wallet server also refreshes an open wallet by itself, at its first idle second after open_wallet, so the payout fails only when the import gets there first",
			"call refresh on every signer's wallet after open_wallet and before export_multisig_info/import_multisig_info (escrowd's default payout does; the naive mode skips it on purpose), then export and import afresh"
	case KindStaleMultisigData:
		return "the transaction set was built or signed with multisig info older than the wallets' current outputs: an export reused from an earlier attempt, an import before refresh, or a spend since the export",
			"in every attempt refresh each signer's wallet, export fresh multisig info, import the other signer's, then build a new transfer; never reuse an export or a transaction set across attempts"
	case KindMultisigImportNeeded:
		return "the wallet still needs the other signer's multisig info: the import was skipped, imported its own or an old export, or a spend happened since (after a spend an import is needed again)",
			"export on each signer and import the other signer's export after refresh, then check get_balance's multisig_import_needed is false before transfer/sign_multisig"
	case KindBalanceMismatch:
		return "the signers' wallets do not agree on what the escrow holds: one was not refreshed or did not import the other's info, or funds arrived or left between the funding check and the payout",
			"refresh both signers, export and import again and compare get_balance before building the transfer; check the funding transaction and the escrow's other payouts"
	case KindDoublePayout:
		return "the escrow paid out more than once: a payout was run or submitted again after one had succeeded (a retry or resume that did not check the recorded submit, or two payout requests)",
			"keep one payout per escrow: check the payout's write-ahead record (submitted, with its tx hash) and the chain before running or resuming a payout, and refuse a payout phase after a successful one"
	}
	return "", ""
}

// detectImportBeforeRefresh: a signer imported with no refresh since its
// wallet was opened in the phase, or its SNAPSHOT_POST_SYNC shows balance 0
// though the escrow was funded. One finding per role and run.
func detectImportBeforeRefresh(in *detectInput) []Anomaly {
	var out []Anomaly
	for _, run := range in.payoutRuns() {
		funded, amount := in.fundedBefore(run)
		for _, role := range rolesIn(run.events) {
			var ev evidence
			refreshed, openedAt := false, -1
			for i := range run.events {
				e := &run.events[i]
				if e.Role != role {
					continue
				}
				switch {
				case e.Type == escrowtrace.EventRPCCallEnd && e.Method == "open_wallet":
					refreshed, openedAt = false, e.Seq
				case e.Type == escrowtrace.EventRPCCallEnd && e.Method == "refresh":
					refreshed = true
				case e.Type == escrowtrace.EventRPCCallStart && e.Method == "import_multisig_info" && !refreshed && len(ev.parts) == 0:
					since := "the phase began"
					if openedAt >= 0 {
						since = "open_wallet at #" + strconv.Itoa(openedAt)
					}
					ev.add(e.Seq, fmt.Sprintf("%s's import_multisig_info at #%d ran with no refresh since %s", role, e.Seq, since))
				}
			}
			if s := firstSnapshot(run.events, role, escrow.PointPostSync); s != nil && funded &&
				s.Snapshot.Balance != nil && *s.Snapshot.Balance == 0 {
				was := "the escrow was funded"
				if amount != nil {
					was = "SNAPSHOT_FUNDED saw " + fmtAmount(amount)
				}
				ev.add(s.Seq, fmt.Sprintf("SNAPSHOT_POST_SYNC at #%d shows %s's balance 0, though %s", s.Seq, role, was))
			}
			if ev.seq == nil {
				continue
			}
			out = append(out, Anomaly{
				Kind: KindImportBeforeRefresh, Role: role, Seq: ev.seq,
				Message: ev.text(),
				Cause:   cause(KindImportBeforeRefresh), Hint: hint(KindImportBeforeRefresh),
			})
		}
	}
	return out
}

// detectStaleMultisigData: a call (sign_multisig, transfer) refused with
// stale data, or a payout that ended on it; with what in the run explains it.
func detectStaleMultisigData(in *detectInput) []Anomaly {
	var out []Anomaly
	for _, run := range in.runs() {
		seen := false
		for i := range run.events {
			e := &run.events[i]
			stale := callKind(e) == escrow.KindStaleData
			if !stale && e.Type == escrowtrace.EventErrorFinal && !seen {
				stale = finalKind(run.events, e) == escrow.KindStaleData
			}
			if !stale || (e.Type == escrowtrace.EventErrorFinal && seen) {
				continue
			}
			seen = true
			msg := fmt.Sprintf("%s's %s was refused with stale data", laneName(e.Role), orUnknown(methodOrOperation(e)))
			if e.Error != nil && e.Error.Code != nil {
				msg += " (" + strconv.Itoa(*e.Error.Code) + ")"
			}
			if why := staleEvidence(run, e.Seq); why != "" {
				msg += "; evidence: " + why
			}
			out = append(out, Anomaly{
				Kind: KindStaleMultisigData, Role: e.Role, Seq: seqPtr(e.Seq),
				Message: msg, Cause: cause(KindStaleMultisigData), Hint: hint(KindStaleMultisigData),
			})
		}
	}
	return out
}

// staleEvidence says what in the run before seq made the data stale: a
// signer that imported without refresh, or one that made no export of its
// own in this run (an earlier attempt's export was reused).
func staleEvidence(run phaseRun, seq int) string {
	var parts []string
	for _, role := range rolesIn(run.events) {
		refreshed, imported, exported := false, false, false
		for i := range run.events {
			e := &run.events[i]
			if e.Seq >= seq || e.Role != role {
				continue
			}
			switch {
			case e.Type == escrowtrace.EventRPCCallEnd && e.Method == "open_wallet":
				refreshed = false
			case e.Type == escrowtrace.EventRPCCallEnd && e.Method == "refresh":
				refreshed = true
			case e.Type == escrowtrace.EventRPCCallEnd && e.Method == "export_multisig_info":
				exported = true
			case e.Type == escrowtrace.EventRPCCallStart && e.Method == "import_multisig_info":
				if !refreshed && !imported {
					parts = append(parts, fmt.Sprintf("%s imported at #%d with no refresh before", role, e.Seq))
				}
				imported = true
			}
		}
		if imported && !exported {
			parts = append(parts, fmt.Sprintf("%s made no export_multisig_info in this %s: an earlier attempt's export was reused", role, run.rec.Name))
		}
	}
	return strings.Join(parts, "; ")
}

func methodOrOperation(e *escrowtrace.Event) string {
	if e.Method != "" {
		return e.Method
	}
	if e.Context != nil {
		return e.Context.Operation
	}
	return ""
}

// detectMultisigImportNeeded: a payout step refused because an import is
// needed, or a SNAPSHOT_POST_SYNC (the last before signing) that says one
// is. One finding per role and run.
func detectMultisigImportNeeded(in *detectInput) []Anomaly {
	var out []Anomaly
	for _, run := range in.payoutRuns() {
		byRole := map[string]*evidence{}
		sawSync := map[string]bool{} // a role's first SNAPSHOT_POST_SYNC says it
		var order []string
		add := func(role string, seq int, s string) {
			if byRole[role] == nil {
				byRole[role] = &evidence{}
				order = append(order, role)
			}
			byRole[role].add(seq, s)
		}
		for i := range run.events {
			e := &run.events[i]
			switch {
			case callKind(e) == escrow.KindImportNeeded:
				add(e.Role, e.Seq, fmt.Sprintf("%s refused at #%d: multisig import is needed", orUnknown(e.Method), e.Seq))
			case e.Type == escrowtrace.EventErrorFinal && e.Error != nil && recordedKind(e.Error) == escrow.KindImportNeeded:
				add(e.Role, e.Seq, fmt.Sprintf("the payout ended at #%d in %s: multisig import is needed", e.Seq, orUnknown(methodOrOperation(e))))
			case e.Type == escrow.PointPostSync.Name() && e.Snapshot != nil && !sawSync[e.Role] &&
				e.Snapshot.MultisigImportNeeded != nil && *e.Snapshot.MultisigImportNeeded:
				sawSync[e.Role] = true
				add(e.Role, e.Seq, fmt.Sprintf("SNAPSHOT_POST_SYNC at #%d says multisig_import_needed: true after the import", e.Seq))
			}
		}
		for _, role := range order {
			ev := byRole[role]
			msg := fmt.Sprintf("%s's wallet needs a multisig import before it can sign: %s", laneName(role), ev.text())
			if why := staleEvidence(run, *ev.seq); why != "" {
				msg += "; evidence: " + why
			}
			out = append(out, Anomaly{
				Kind: KindMultisigImportNeeded, Role: role, Seq: ev.seq,
				Message: msg,
				Cause:   cause(KindMultisigImportNeeded), Hint: hint(KindMultisigImportNeeded),
			})
		}
	}
	return out
}

// detectBalanceMismatch: the signers' SNAPSHOT_POST_SYNC balances differ
// from each other or from the funded amount, or the payer's own check said
// so. One finding per run.
func detectBalanceMismatch(in *detectInput) []Anomaly {
	var out []Anomaly
	for _, run := range in.payoutRuns() {
		_, amount := in.fundedBefore(run)
		var ev evidence
		var cells []string
		distinct := map[uint64]bool{}
		var offFunded []string
		last := -1
		for i := range run.events {
			e := &run.events[i]
			if e.Type != escrow.PointPostSync.Name() || e.Snapshot == nil || e.Snapshot.Balance == nil {
				continue
			}
			b := *e.Snapshot.Balance
			cells = append(cells, fmt.Sprintf("%s %d", e.Role, b))
			distinct[b] = true
			last = max(last, e.Seq)
			if amount != nil && b != *amount {
				offFunded = append(offFunded, e.Role)
			}
		}
		if len(distinct) > 1 {
			ev.add(last, "SNAPSHOT_POST_SYNC balances differ: "+strings.Join(cells, ", "))
		} else if len(offFunded) > 0 {
			ev.add(last, fmt.Sprintf("SNAPSHOT_POST_SYNC balance of %s is not the funded %s: %s",
				strings.Join(offFunded, " and "), fmtAmount(amount), strings.Join(cells, ", ")))
		}
		for i := range run.events {
			e := &run.events[i]
			if e.Type == escrowtrace.EventErrorFinal && e.Error != nil && recordedKind(e.Error) == escrow.KindBalanceMismatch {
				ev.add(e.Seq, fmt.Sprintf("the payout ended at #%d: %s", e.Seq, e.Error.Message))
			}
		}
		if ev.seq == nil {
			continue
		}
		out = append(out, Anomaly{
			Kind: KindBalanceMismatch, Seq: ev.seq,
			Message: ev.text(),
			Cause:   cause(KindBalanceMismatch), Hint: hint(KindBalanceMismatch),
		})
	}
	return out
}

// detectDoublePayout: a successful submit_multisig after another one, or a
// payout phase that ran after one that succeeded. One finding per run.
func detectDoublePayout(in *detectInput) []Anomaly {
	var out []Anomaly
	submitted := -1 // seq of the first successful submit
	paidBy := ""    // the first payout phase that succeeded
	for _, run := range in.runs() {
		if !run.rec.Name.IsPayout() {
			continue
		}
		var ev evidence
		if paidBy != "" && len(run.events) > 0 {
			ev.add(run.events[0].Seq, fmt.Sprintf("a %s ran after the %s had paid out", run.rec.Name, paidBy))
		}
		for i := range run.events {
			e := &run.events[i]
			if e.Type != escrowtrace.EventRPCCallEnd || e.Method != "submit_multisig" {
				continue
			}
			if submitted >= 0 {
				ev.add(e.Seq, fmt.Sprintf("submit_multisig at #%d succeeded after the one at #%d", e.Seq, submitted))
			} else {
				submitted = e.Seq
			}
		}
		if ev.seq != nil {
			out = append(out, Anomaly{
				Kind: KindDoublePayout, Seq: ev.seq,
				Message: ev.text(),
				Cause:   cause(KindDoublePayout), Hint: hint(KindDoublePayout),
			})
		}
		if paidBy == "" && run.rec.Outcome == escrowtrace.OutcomeSuccess {
			paidBy = string(run.rec.Name)
		}
	}
	return out
}

// rolesIn lists the roles of the events, in display order.
func rolesIn(events []escrowtrace.Event) []string {
	seen := map[string]bool{}
	var out []string
	for i := range events {
		if r := events[i].Role; r != "" && !seen[r] {
			seen[r] = true
			out = append(out, r)
		}
	}
	sortRoles(out)
	return out
}

func cause(k Kind) string { c, _ := payoutAdvice(k); return c }
func hint(k Kind) string  { _, h := payoutAdvice(k); return h }
