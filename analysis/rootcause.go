package analysis

import (
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// rootCauseKinds are the kinds that name why an escrow failed rather than how
// the failure showed, in the contract's order: the first one found is the
// root cause.
var rootCauseKinds = [...]Kind{
	KindAlreadyMultisigBeforeRound1, KindWrongWalletOpen, KindAddressMismatch, KindNotReadyAtFinal,
	KindImportBeforeRefresh, KindStaleMultisigData, KindMultisigImportNeeded, KindBalanceMismatch, KindDoublePayout,
}

// RootCause is the anomaly kind that names why a failed escrow failed: the
// first root-cause kind (already_multisig_before_round1, wrong_wallet_open,
// address_mismatch, not_ready_at_final; then the payout's
// import_before_refresh, stale_multisig_data, multisig_import_needed,
// balance_mismatch, double_payout: the cause before what it leads to) the
// failed phase shows; rpc_error only when it shows none of them but a failed
// call; "" when the escrow did not fail (success, incomplete) or its file
// shows neither. In a file of several phases, only the findings of the
// latest phase (the one that failed) count.
// A script, the stats, the UI's list and an alert name a failure by it.
func RootCause(f *escrowtrace.File) Kind {
	if f == nil || f.Outcome != escrowtrace.OutcomeFailed {
		return ""
	}
	return Analyze(f, Options{}).RootCause()
}

// RootCause is RootCause of the analysed file, without analysing it again.
func (a *Analysis) RootCause() Kind {
	if a.Timeline.Outcome != escrowtrace.OutcomeFailed {
		return ""
	}
	latest := escrow.PhaseSetup
	if n := len(a.Timeline.Phases); n > 0 {
		latest = a.Timeline.Phases[n-1].Name
	}
	var mine []Anomaly
	for _, an := range a.Anomalies {
		if an.Phase.Of() == latest {
			mine = append(mine, an)
		}
	}
	return rootCauseOf(mine)
}

// rootCauseOf is the first root-cause kind among the findings, else
// rpc_error when one is, else "".
func rootCauseOf(anomalies []Anomaly) Kind {
	found := map[Kind]bool{}
	for _, an := range anomalies {
		found[an.Kind] = true
	}
	for _, k := range rootCauseKinds {
		if found[k] {
			return k
		}
	}
	if found[KindRPCError] {
		return KindRPCError
	}
	return ""
}
