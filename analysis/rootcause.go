package analysis

import "github.com/escrowd/escrowd/pkg/escrowtrace"

// rootCauseKinds are the kinds that name why an escrow failed rather than how
// the failure showed, in the contract's order: the first one found is the
// root cause.
var rootCauseKinds = [...]Kind{
	KindAlreadyMultisigBeforeRound1, KindWrongWalletOpen, KindAddressMismatch, KindNotReadyAtFinal,
}

// RootCause is the anomaly kind that names why a failed escrow failed: the
// first root-cause kind (already_multisig_before_round1, wrong_wallet_open,
// address_mismatch, not_ready_at_final, in the contract's order) the file
// shows; rpc_error only when it shows none of them but a failed call; "" when
// the escrow did not fail (success, incomplete) or its file shows neither.
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
	found := map[Kind]bool{}
	for _, an := range a.Anomalies {
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
