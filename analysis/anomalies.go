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

// Kind is an anomaly kind; the names are stable (the contract's table).
type Kind string

// The anomaly kinds of shared/escrow-trace/README.md.
const (
	KindAlreadyMultisigBeforeRound1 Kind = "already_multisig_before_round1"
	KindWrongWalletOpen             Kind = "wrong_wallet_open"
	KindAddressMismatch             Kind = "address_mismatch"
	KindNotReadyAtFinal             Kind = "not_ready_at_final"
	KindRPCError                    Kind = "rpc_error"
	KindMissingSnapshot             Kind = "missing_snapshot"
	KindIncompleteTrace             Kind = "incomplete_trace"
	KindSlowRPC                     Kind = "slow_rpc"
	KindInsecureWalletFile          Kind = "insecure_wallet_file"
)

// The payout's anomaly kinds ("Lifecycle additions" of the contract).
const (
	KindStaleMultisigData    Kind = "stale_multisig_data"
	KindMultisigImportNeeded Kind = "multisig_import_needed"
	KindImportBeforeRefresh  Kind = "import_before_refresh"
	KindBalanceMismatch      Kind = "balance_mismatch"
	KindDoublePayout         Kind = "double_payout"
)

// Kinds lists every kind in the contract's order.
func Kinds() []Kind {
	return []Kind{
		KindAlreadyMultisigBeforeRound1, KindWrongWalletOpen, KindAddressMismatch, KindNotReadyAtFinal,
		KindRPCError, KindMissingSnapshot, KindIncompleteTrace, KindSlowRPC, KindInsecureWalletFile,
		KindStaleMultisigData, KindMultisigImportNeeded, KindImportBeforeRefresh, KindBalanceMismatch, KindDoublePayout,
	}
}

// Anomaly is one finding, with what most likely caused it and what to do.
type Anomaly struct {
	Kind  Kind
	Role  string // "" when the anomaly is not about one role
	Round int    // 0 when not tied to a round
	Seq   *int   // the event that shows it, when there is one
	// Phase is the lifecycle phase of the event that shows it (of the escrow's
	// latest phase when no event does).
	Phase   escrow.Phase
	Message string
	Cause   string
	Hint    string
}

// detectInput is what every detector may look at.
type detectInput struct {
	file   *escrowtrace.File
	events []escrowtrace.Event
	prog   Progression
	calls  []rpcCall
	open   []*escrowtrace.Event
	slow   SlowThreshold
	// phases are the file's phases when it holds more than the setup, nil
	// for a file of the setup alone.
	phases []escrowtrace.PhaseRecord
}

// detectors has one function per kind, in the contract's order.
func detectors() []func(*detectInput) []Anomaly {
	return []func(*detectInput) []Anomaly{
		detectAlreadyMultisig, detectWrongWalletOpen, detectAddressMismatch, detectNotReadyAtFinal,
		detectRPCErrors, detectMissingSnapshots, detectIncomplete, detectSlowRPC, detectInsecureWalletFile,
		detectStaleMultisigData, detectMultisigImportNeeded, detectImportBeforeRefresh, detectBalanceMismatch, detectDoublePayout,
	}
}

// detect runs every detector and orders the findings by the event that shows
// them (findings about the whole escrow last), then by kind.
func detect(in *detectInput) []Anomaly {
	var out []Anomaly
	for _, d := range detectors() {
		out = append(out, d(in)...)
	}
	// Each finding belongs to the phase of the event that shows it, or to
	// the escrow's latest phase.
	latest := escrow.PhaseSetup
	if n := len(in.phases); n > 0 {
		latest = in.phases[n-1].Name
	}
	phaseBySeq := make(map[int]escrow.Phase, len(in.events))
	for i := range in.events {
		phaseBySeq[in.events[i].Seq] = phaseOf(&in.events[i])
	}
	for i := range out {
		out[i].Phase = latest
		if out[i].Seq != nil {
			if p, ok := phaseBySeq[*out[i].Seq]; ok {
				out[i].Phase = p
			}
		}
	}
	kindRank := map[Kind]int{}
	for i, k := range Kinds() {
		kindRank[k] = i
	}
	seqOf := func(a Anomaly) int {
		if a.Seq == nil {
			return math.MaxInt
		}
		return *a.Seq
	}
	sort.SliceStable(out, func(i, j int) bool {
		if si, sj := seqOf(out[i]), seqOf(out[j]); si != sj {
			return si < sj
		}
		return kindRank[out[i].Kind] < kindRank[out[j].Kind]
	})
	return out
}

func seqPtr(n int) *int { return &n }

func detectAlreadyMultisig(in *detectInput) []Anomaly {
	var out []Anomaly
	for _, rp := range in.prog.Roles {
		p := rp.Points[escrow.PointPreRound1]
		if p == nil || !p.Snapshot.IsMultisig {
			continue
		}
		out = append(out, Anomaly{
			Kind: KindAlreadyMultisigBeforeRound1, Role: rp.Role, Round: 1, Seq: seqPtr(p.Seq),
			Message: fmt.Sprintf("%s's wallet%s is already multisig at SNAPSHOT_PRE_ROUND1", rp.Role, walletLabel(p.Snapshot)),
			Cause:   "the wallet server served state left from another escrow: another escrow's wallet was open, or this wallet file was reused",
			Hint:    "run each escrow on its own leased servers and create a fresh wallet file per escrow and role",
		})
	}
	return out
}

// wrongWalletPairs are the snapshot points between which nothing runs on a
// wallet: a round's POST snapshot and the next round's PRE snapshot.
func wrongWalletPairs() [][2]escrow.Point {
	return [][2]escrow.Point{
		{escrow.PointPostMakeMultisig, escrow.PointPreRound2},
		{escrow.PointPostExportMultisig, escrow.PointPreRound3},
	}
}

// The cause and fix of wrong_wallet_open, whatever shows it.
const (
	wrongWalletCause = "the RPC server had another wallet open than the one the escrow expects: on a shared server another escrow's create_wallet/open_wallet replaced it"
	wrongWalletHint  = "give each role of each escrow its own leased wallet server (one server holds one open wallet), or hold a lock across open_wallet and the calls; check get_address after every step"
)

func detectWrongWalletOpen(in *detectInput) []Anomaly {
	const cause, hint = wrongWalletCause, wrongWalletHint
	var out []Anomaly
	for _, rp := range in.prog.Roles {
		for _, pair := range wrongWalletPairs() {
			post, pre := rp.Points[pair[0]], rp.Points[pair[1]]
			if post == nil || pre == nil || post.Snapshot.AddressHash == "" || pre.Snapshot.AddressHash == "" ||
				post.Snapshot.AddressHash == pre.Snapshot.AddressHash {
				continue
			}
			out = append(out, Anomaly{
				Kind: KindWrongWalletOpen, Role: rp.Role, Round: int(pair[1].Round()), Seq: seqPtr(pre.Seq),
				Message: fmt.Sprintf("%s's address_hash changed from %s at %s to %s at %s with no call in between",
					rp.Role, post.Snapshot.AddressHash, pair[0].Short(), pre.Snapshot.AddressHash, pair[1].Short()),
				Cause: cause, Hint: hint,
			})
		}
	}
	// Before round 1 every role has its own fresh wallet: one address for two
	// roles means one server answered for both, or one wallet was opened twice.
	byHash := map[string][]*RoleProgression{}
	var hashes []string
	for i := range in.prog.Roles {
		rp := &in.prog.Roles[i]
		p := rp.Points[escrow.PointPreRound1]
		if p == nil || p.Snapshot.AddressHash == "" {
			continue
		}
		h := p.Snapshot.AddressHash
		if byHash[h] == nil {
			hashes = append(hashes, h)
		}
		byHash[h] = append(byHash[h], rp)
	}
	for _, h := range hashes {
		rps := byHash[h]
		if len(rps) < 2 {
			continue
		}
		names := make([]string, len(rps))
		last := 0
		for i, rp := range rps {
			names[i] = rp.Role
			last = max(last, rp.Points[escrow.PointPreRound1].Seq)
		}
		out = append(out, Anomaly{
			Kind: KindWrongWalletOpen, Round: 1, Seq: seqPtr(last),
			Message: fmt.Sprintf("%s show the same address_hash %s at PRE_ROUND1", strings.Join(names, " and "), h),
			Cause:   cause, Hint: hint,
		})
	}
	return append(out, contradictedAnswers(in)...)
}

func detectAddressMismatch(in *detectInput) []Anomaly {
	final := escrow.PointFinal
	var parts []string
	distinct := map[string]bool{}
	last := -1
	for _, rp := range in.prog.Roles {
		p := rp.Points[final]
		if p == nil || p.Snapshot.AddressHash == "" {
			continue
		}
		parts = append(parts, rp.Role+"="+p.Snapshot.AddressHash)
		distinct[p.Snapshot.AddressHash] = true
		last = max(last, p.Seq)
	}
	if len(distinct) < 2 {
		return nil
	}
	return []Anomaly{{
		Kind: KindAddressMismatch, Round: 3, Seq: seqPtr(last),
		Message: "SNAPSHOT_FINAL address hashes differ: " + strings.Join(parts, " "),
		Cause:   "the participants finished key exchange on different sets of info: a role got a wrong or duplicate multisig_info, or another wallet was open during a round",
		Hint:    "check that each role was sent exactly the other two roles' output of the previous round; discard these wallets and set up again with fresh ones",
	}}
}

func detectNotReadyAtFinal(in *detectInput) []Anomaly {
	final := escrow.PointFinal
	var out []Anomaly
	for _, rp := range in.prog.Roles {
		p := rp.Points[final]
		if p == nil {
			continue
		}
		s := p.Snapshot
		notReady := s.Ready != nil && !*s.Ready
		wrongScheme := (s.Threshold != nil && *s.Threshold != escrow.Threshold) || (s.Total != nil && *s.Total != escrow.Participants)
		if !notReady && !wrongScheme {
			continue
		}
		out = append(out, Anomaly{
			Kind: KindNotReadyAtFinal, Role: rp.Role, Round: 3, Seq: seqPtr(p.Seq),
			Message: fmt.Sprintf("%s at SNAPSHOT_FINAL: ready=%s threshold/total=%s/%s, want ready 2/3",
				rp.Role, optBool(s.Ready), optInt(s.Threshold), optInt(s.Total)),
			Cause: "key exchange did not finish for this wallet (a round failed silently or was skipped), or make_multisig got another threshold or number of infos",
			Hint:  "check that round 3 ran for this role and that make_multisig was sent threshold 2 with exactly the two other roles' info",
		})
	}
	return out
}

func detectRPCErrors(in *detectInput) []Anomaly {
	var out []Anomaly
	for _, c := range in.calls {
		if !c.failed() {
			continue
		}
		e := c.End
		msg, code := "", ""
		if e.Error != nil {
			msg = e.Error.Message
			if e.Error.Code != nil {
				code = " code " + strconv.Itoa(*e.Error.Code)
			}
		}
		cause, hint := rpcErrorAdvice(callKind(e))
		if ev := walletSwitchEvidence(in, c); ev != "" {
			cause += "; evidence: " + ev
		}
		out = append(out, Anomaly{
			Kind: KindRPCError, Role: e.Role, Round: e.Round, Seq: seqPtr(e.Seq),
			Message: fmt.Sprintf("%s failed%s: %s", orUnknown(e.Method), code, orUnknown(msg)),
			Cause:   cause, Hint: hint,
		})
	}
	return out
}

// walletSwitchEvidence says what in the file shows that a failed call ran on
// another wallet than the escrow's, for the kinds of error that a switched
// wallet gives: the role's last snapshot before the call saw its own wallet
// not yet multisig (and still the call says "already multisig"), or the
// roles' calls all went to one server, which holds one open wallet at a time.
// "" when the file shows neither.
func walletSwitchEvidence(in *detectInput, c rpcCall) string {
	k := callKind(c.End)
	switch k {
	case escrow.KindAlreadyMultisig, escrow.KindKexBadMessage, escrow.KindNotMultisig, escrow.KindKexRoundMismatch:
	default:
		return ""
	}
	var parts []string
	if k == escrow.KindAlreadyMultisig {
		if last := lastSnapshot(in.events, c.End.Role, c.End.Seq); last != nil && !last.Snapshot.IsMultisig {
			parts = append(parts, fmt.Sprintf("%s at #%d saw %s's wallet not multisig, yet %s answered already multisig",
				last.Type, last.Seq, c.End.Role, orUnknown(c.End.Method)))
		}
	}
	if ep, roles := sharedEndpoint(samePhase(in.events, c.End)); ep != "" {
		parts = append(parts, sharedWords(ep, roles))
	}
	return strings.Join(parts, "; ")
}

func sharedWords(ep string, roles []string) string {
	return fmt.Sprintf("%s all called one wallet server, %s, which has one wallet open at a time", strings.Join(roles, ", "), ep)
}

// lastSnapshot is the role's last snapshot before seq, or nil.
func lastSnapshot(events []escrowtrace.Event, role string, seq int) *escrowtrace.Event {
	var last *escrowtrace.Event
	for i := range events {
		e := &events[i]
		if e.Seq >= seq {
			break
		}
		if e.Snapshot != nil && e.Role == role && isSnapshotType(e.Type) {
			last = e
		}
	}
	return last
}

// contradictedAnswers finds, while the escrow's roles share one wallet server,
// the answers that contradict the state of the role's own wallet: the
// seed's pattern B seen from a call instead of a snapshot. Each is a
// wrong_wallet_open beside the call's rpc_error.
func contradictedAnswers(in *detectInput) []Anomaly {
	var out []Anomaly
	add := func(e *escrowtrace.Event, why string) {
		ep, roles := sharedEndpoint(samePhase(in.events, e))
		if ep == "" {
			return
		}
		out = append(out, Anomaly{
			Kind: KindWrongWalletOpen, Role: e.Role, Round: e.Round, Seq: seqPtr(e.Seq),
			Message: why + "; " + sharedWords(ep, roles),
			Cause:   wrongWalletCause, Hint: wrongWalletHint,
		})
	}
	for _, c := range in.calls {
		if !c.failed() {
			continue
		}
		e := c.End
		method := orUnknown(e.Method)
		last := lastSnapshot(in.events, e.Role, e.Seq)
		switch callKind(e) {
		case escrow.KindAlreadyMultisig:
			if last != nil && !last.Snapshot.IsMultisig {
				add(e, fmt.Sprintf("%s answered already multisig, yet %s at #%d saw %s's wallet not multisig",
					method, last.Type, last.Seq, e.Role))
			}
		case escrow.KindNotMultisig:
			if last != nil && last.Snapshot.IsMultisig {
				add(e, fmt.Sprintf("%s answered not multisig, yet %s at #%d saw %s's wallet multisig",
					method, last.Type, last.Seq, e.Role))
			}
		case escrow.KindMultisigNotReady:
			if last != nil && last.Snapshot.Ready != nil && *last.Snapshot.Ready {
				add(e, fmt.Sprintf("%s answered multisig not finalized, yet %s at #%d saw %s's wallet ready",
					method, last.Type, last.Seq, e.Role))
			}
		case escrow.KindKexRoundMismatch:
			add(e, fmt.Sprintf("%s refused %s's kex messages as of another round, though they were the other roles' output of the round before",
				method, e.Role))
		case escrow.KindKexBadMessage:
			add(e, fmt.Sprintf("%s refused %s's kex messages as a duplicate or the wallet's own, though they were the two other roles' output",
				method, e.Role))
		case escrow.KindOpenFailed:
			if created := createdWallet(in.events, e.Role, e.Seq); e.Method == "open_wallet" && created != nil {
				add(e, fmt.Sprintf("open_wallet of %s's own wallet failed, though create_wallet made it at #%d",
					e.Role, created.Seq))
			}
		}
	}
	// The coordinator's own checks, when the wallet answered success: a
	// switched wallet answers for another escrow's state.
	for i := range in.events {
		f := &in.events[i]
		if f.Type != escrowtrace.EventErrorFinal || f.Role == "" {
			continue
		}
		op := ""
		if f.Context != nil {
			op = f.Context.Operation
		}
		switch finalKind(in.events, f) {
		case escrow.KindUnexpectedState:
			add(f, fmt.Sprintf("is_multisig after %s's %s answered a state that step cannot leave", f.Role, orUnknown(op)))
		case escrow.KindBadKexMessage:
			add(f, fmt.Sprintf("%s's %s output equals another role's, which two distinct wallets never give", f.Role, orUnknown(op)))
		}
	}
	return out
}

// createdWallet is the role's create_wallet (the first setup step's call)
// that succeeded before seq, or nil.
func createdWallet(events []escrowtrace.Event, role string, seq int) *escrowtrace.Event {
	for i := range events {
		e := &events[i]
		if e.Seq >= seq {
			break
		}
		if e.Type == escrowtrace.EventRPCCallEnd && e.Role == role && e.Method == escrow.SetupSteps[0].Call {
			return e
		}
	}
	return nil
}

// sharedEndpoint is a wallet server that more than one role called, with
// those roles in display order; "" when each role had its own.
func sharedEndpoint(events []escrowtrace.Event) (string, []string) {
	byEndpoint := map[string]map[string]bool{}
	var order []string
	for i := range events {
		e := &events[i]
		if e.Type != escrowtrace.EventRPCCallStart || e.Endpoint == "" || e.Role == "" {
			continue
		}
		if byEndpoint[e.Endpoint] == nil {
			byEndpoint[e.Endpoint] = map[string]bool{}
			order = append(order, e.Endpoint)
		}
		byEndpoint[e.Endpoint][e.Role] = true
	}
	for _, ep := range order {
		if len(byEndpoint[ep]) < 2 {
			continue
		}
		var roles []string
		for _, r := range escrow.Roles {
			if byEndpoint[ep][string(r)] {
				roles = append(roles, string(r))
			}
		}
		return ep, roles
	}
	return "", nil
}

// rpcErrorAdvice gives a failed call's likely cause and fix by its kind.
func rpcErrorAdvice(k escrow.Kind) (cause, hint string) {
	switch k {
	case escrow.KindAlreadyMultisig:
		return "the wallet was already multisig: the server had another escrow's or an old wallet open",
			"run each escrow on its own leased servers with fresh wallet files; check is_multisig before round 1"
	case escrow.KindMultisigDisabled:
		return "enable_multisig_experimental was not set in the session that ran make_multisig",
			"send prepare_multisig {enable_multisig_experimental: true} in the same open session as make_multisig"
	case escrow.KindOpenFailed:
		return "wrong password, missing wallet file, or a stale cache after close_wallet without autosave",
			`close wallets with {"autosave_current": true} and call store after every make/exchange`
	case escrow.KindKexRoundMismatch:
		return "a participant was sent messages of another key-exchange round",
			"send each round only the other two roles' output of the previous round"
	case escrow.KindKexBadMessage:
		return "duplicate multisig info, or the wallet's own info, was sent",
			"send exactly the other two participants' info, each once"
	case escrow.KindNoWalletOpen:
		return "no wallet was open on that server (it restarted, or a failed open left none)",
			"open the role's wallet before each step and check the open succeeded"
	case escrow.KindWalletExists:
		return "a wallet file of that name already exists on the server",
			"use a wallet file name unique to the escrow and role"
	case escrow.KindNotMultisig, escrow.KindMultisigNotReady:
		return "a step ran on a wallet that is not (yet) multisig: a round was skipped or another wallet was open",
			"run the rounds in order for every role and check is_multisig after each step"
	case escrow.KindNeedMoreInfo:
		return "fewer infos than the other participants' were sent",
			"send the output of both other roles"
	case escrow.KindStaleData:
		return payoutAdvice(KindStaleMultisigData)
	case escrow.KindImportNeeded:
		return payoutAdvice(KindMultisigImportNeeded)
	case escrow.KindNotEnoughMoney:
		return "the wallet saw no unlocked balance to pay from: it was not refreshed before the import (the wallet sees balance 0), or the funds are still locked (10 blocks after the funding transaction)",
			"refresh each signer's wallet before export/import and check get_balance's unlocked_balance before building the transfer; wait for the funds to unlock"
	case escrow.KindAlreadySigned:
		return "the transaction set was already fully signed: it was signed again by a retry",
			"submit the signed set (or check the chain for it) instead of signing again"
	case escrow.KindNoTxCreated:
		return "the wallet built no transaction: nothing to spend, or the amount is below the fee",
			"check the escrow's unlocked balance and the payout's amount"
	}
	return "the wallet RPC refused the call",
		"read the error message and the wallet server's log for this endpoint"
}

func detectMissingSnapshots(in *detectInput) []Anomaly {
	if in.file.Outcome != escrowtrace.OutcomeSuccess || !hasSetup(in) {
		return nil
	}
	var out []Anomaly
	for _, role := range escrow.Roles {
		r := string(role)
		rp := in.prog.role(r)
		var missing []string
		firstRound := 0
		for _, pt := range escrow.SetupPoints {
			if rp == nil || rp.Points[pt] == nil {
				missing = append(missing, pt.Short())
				if firstRound == 0 {
					firstRound = int(pt.Round())
				}
			}
		}
		if len(missing) == 0 {
			continue
		}
		out = append(out, Anomaly{
			Kind: KindMissingSnapshot, Role: r, Round: firstRound,
			Message: fmt.Sprintf("success, but %s has %d of %d snapshots: missing %s",
				r, escrow.NumSetupPoints-len(missing), escrow.NumSetupPoints, strings.Join(missing, ", ")),
			Cause: "snapshots were not recorded or not exported: a snapshot's wallet calls failed, spans were sampled out, or the batch span processor dropped spans with a full queue",
			Hint:  "check the exporter's dropped-span counts and the processor's queue size (or WithBlocking), and the snapshot errors in the log",
		})
	}
	return out
}

func detectIncomplete(in *detectInput) []Anomaly {
	var out []Anomaly
	if in.file.Outcome == escrowtrace.OutcomeIncomplete {
		out = append(out, Anomaly{
			Kind:    KindIncompleteTrace,
			Message: "outcome incomplete: the escrow's root span never ended; the file holds what was recorded until then",
			Cause:   "escrowd stopped (crash, kill, shutdown) during the " + string(latestPhase(in)) + ", or the root span was lost before export",
			Hint:    "look for a restart of escrowd at that time; the escrow's wallets may be half set up and need a fresh start",
		})
	}
	for _, s := range in.open {
		out = append(out, Anomaly{
			Kind: KindIncompleteTrace, Role: s.Role, Round: s.Round, Seq: seqPtr(s.Seq),
			Message: fmt.Sprintf("%s started and never ended", orUnknown(s.Method)),
			Cause:   "the call's span never ended: the process stopped while the wallet server was working, or the span was dropped",
			Hint:    "check whether the wallet server finished the call (its log) before retrying: the wallet may have changed state",
		})
	}
	return out
}

// slowGroup is what a call's duration is compared with: its method in its
// round. The same method costs very different times per round
// (exchange_multisig_keys: about 0.12 s in round 2, 0.7 s in round 3), so a
// median over all rounds would flag every round-3 call.
type slowGroup struct {
	method string
	round  int
	phase  escrow.Phase
}

func detectSlowRPC(in *detectInput) []Anomaly {
	t := in.slow.orDefault()
	medians := map[slowGroup]float64{}
	if t.Absolute <= 0 {
		groups := map[slowGroup][]float64{}
		for _, c := range in.calls {
			g := slowGroup{c.End.Method, c.End.Round, phaseOf(c.End)}
			groups[g] = append(groups[g], c.DurationMS)
			all := slowGroup{method: c.End.Method, round: -1, phase: phaseOf(c.End)}
			groups[all] = append(groups[all], c.DurationMS)
		}
		for g, d := range groups {
			if len(d) < max(1, t.MinCalls) {
				continue
			}
			sort.Float64s(d)
			medians[g] = nearestRank(d, 0.5)
		}
	}
	var out []Anomaly
	for _, c := range in.calls {
		e := c.End
		var limit float64
		var why string
		if t.Absolute > 0 {
			limit = ms(t.Absolute)
			why = "the threshold " + t.Absolute.String()
		} else {
			// The method's median in its round, or over all rounds when the
			// round alone has too few calls.
			med, ok := medians[slowGroup{e.Method, e.Round, phaseOf(e)}]
			scope := "its median"
			if e.Round != 0 {
				scope = fmt.Sprintf("its round-%d median", e.Round)
			}
			if !ok {
				med, ok = medians[slowGroup{method: e.Method, round: -1, phase: phaseOf(e)}]
				scope = "its median"
			}
			if !ok || c.DurationMS < ms(t.Floor) {
				continue
			}
			limit = t.Factor * med
			why = fmt.Sprintf("%sx %s of %s in this file", fmtFloat(t.Factor), scope, fmtMS(med))
		}
		if c.DurationMS <= limit {
			continue
		}
		out = append(out, Anomaly{
			Kind: KindSlowRPC, Role: e.Role, Round: e.Round, Seq: seqPtr(e.Seq),
			Message: fmt.Sprintf("%s took %s, more than %s", orUnknown(e.Method), fmtMS(c.DurationMS), why),
			Cause:   "the wallet server was busy: it serves one request at a time, so a create_wallet/open_wallet of another escrow (seconds each) queued ahead, or the host was overloaded",
			Hint:    "give each role its own server; look for other escrows on the same endpoint at that time",
		})
	}
	return out
}

func detectInsecureWalletFile(in *detectInput) []Anomaly {
	var out []Anomaly
	for _, rp := range in.prog.Roles {
		seen := map[string]bool{}
		for _, p := range rp.Points {
			if p == nil || p.Snapshot.WalletFileMode == "" || seen[p.Snapshot.WalletFileMode] {
				continue
			}
			mode, err := strconv.ParseUint(p.Snapshot.WalletFileMode, 8, 32)
			if err != nil || mode&0o077 == 0 {
				continue
			}
			seen[p.Snapshot.WalletFileMode] = true
			out = append(out, Anomaly{
				Kind: KindInsecureWalletFile, Role: rp.Role, Seq: seqPtr(p.Seq),
				Message: fmt.Sprintf("%s's wallet keys file%s has mode %s: group or others may access it",
					rp.Role, walletLabel(p.Snapshot), p.Snapshot.WalletFileMode),
				Cause: "the keys file was created or copied with a permissive umask or mode",
				Hint:  "chmod 0600 the keys file and run monero-wallet-rpc with umask 077",
			})
		}
	}
	return out
}

func walletLabel(s escrowtrace.Snapshot) string {
	if s.WalletID == "" {
		return ""
	}
	return " " + strconv.Quote(s.WalletID)
}

func orUnknown(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

func optBool(b *bool) string {
	if b == nil {
		return "-"
	}
	return strconv.FormatBool(*b)
}

func optInt(n *int) string {
	if n == nil {
		return "-"
	}
	return strconv.Itoa(*n)
}

func fmtFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }

// fmtMS shows milliseconds with one decimal below 10 ms and none above.
func fmtMS(v float64) string {
	if v < 10 {
		return strconv.FormatFloat(v, 'f', 1, 64) + "ms"
	}
	return strconv.FormatFloat(v, 'f', 0, 64) + "ms"
}

// samePhase is the events of e's phase.
func samePhase(events []escrowtrace.Event, e *escrowtrace.Event) []escrowtrace.Event {
	p := phaseOf(e)
	all := true
	for i := range events {
		if phaseOf(&events[i]) != p {
			all = false
			break
		}
	}
	if all {
		return events
	}
	var out []escrowtrace.Event
	for i := range events {
		if phaseOf(&events[i]) == p {
			out = append(out, events[i])
		}
	}
	return out
}

// latestPhase is the phase the file's outcome is of.
func latestPhase(in *detectInput) escrow.Phase {
	if n := len(in.phases); n > 0 {
		return in.phases[n-1].Name
	}
	return escrow.PhaseSetup
}

// hasSetup reports whether the file holds the setup (a file cut to a later
// phase by OnlyPhase does not, and so misses no setup snapshot).
func hasSetup(in *detectInput) bool {
	if in.phases == nil {
		return true
	}
	for _, r := range in.phases {
		if r.Name == escrow.PhaseSetup {
			return true
		}
	}
	return false
}
