package escrow

// NoPoint marks a step without a snapshot at its start or end.
const NoPoint Point = -1

// Step is one barrier of a protocol: every role taking part finishes its part
// of a step before any role starts the next one, so a protocol's order is step
// first, then role. Within a step the roles run at once, and their
// interleaving is chance, not a difference between two escrows.
//
// The coordinator runs its protocols as tables of these steps, and the
// analyzer orders and aligns a trace's events by them.
type Step struct {
	// Name names the step in errors and tables, e.g. "make".
	Name  string
	Phase Phase
	// Round is the setup round; 0 outside the rounds.
	Round Round
	// Call is the wallet RPC method that does the step's work, e.g.
	// "make_multisig". Calls that any step may make on the way (open_wallet
	// on a shared server, store, is_multisig) are not listed.
	Call string
	// Before and After are the snapshots taken at the step's start and end
	// (NoPoint when none).
	Before, After Point
}

// SetupSteps is the 2-of-3 setup on monero-wallet-rpc 0.18 (shared/FACTS.md):
// create a wallet per role, round 1 (prepare_multisig everywhere, then
// make_multisig with the two others' messages), rounds 2 and 3
// (exchange_multisig_keys with the two others' last messages), then verify that
// all three report the same address.
var SetupSteps = [...]Step{
	{Name: "create_wallets", Phase: PhaseSetup, Call: "create_wallet", Before: NoPoint, After: NoPoint},
	{Name: "prepare", Phase: PhaseSetup, Round: Round1, Call: "prepare_multisig", Before: PointPreRound1, After: NoPoint},
	{Name: "make", Phase: PhaseSetup, Round: Round1, Call: "make_multisig", Before: NoPoint, After: PointPostMakeMultisig},
	{Name: "exchange_round2", Phase: PhaseSetup, Round: Round2, Call: "exchange_multisig_keys", Before: PointPreRound2, After: PointPostExportMultisig},
	{Name: "exchange_round3", Phase: PhaseSetup, Round: Round3, Call: "exchange_multisig_keys", Before: PointPreRound3, After: PointPostImportMultisig},
	{Name: "verify", Phase: PhaseSetup, Round: Round3, Call: "get_address", Before: NoPoint, After: PointFinal},
}

// PayoutSteps is a 2-of-3 payout (shared/FACTS.md, regtest): each signer's
// wallet is refreshed before anything else (an import before refresh silently
// leaves balance 0 and the signature stale), exports its multisig info and
// imports the other signer's; the first signer builds the transfer, the second
// signs it, one submits it; then all three wallets sync again, since after a
// spend an import is needed again. phase is the payout's phase (release,
// refund or resolve).
func PayoutSteps(phase Phase) []Step {
	return []Step{
		{Name: "refresh", Phase: phase, Call: "refresh", Before: NoPoint, After: PointPreSync},
		{Name: "export", Phase: phase, Call: "export_multisig_info", Before: NoPoint, After: NoPoint},
		{Name: "import", Phase: phase, Call: "import_multisig_info", Before: NoPoint, After: PointPostSync},
		{Name: "transfer", Phase: phase, Call: "transfer", Before: NoPoint, After: PointPostSign},
		{Name: "sign", Phase: phase, Call: "sign_multisig", Before: NoPoint, After: PointPostSign},
		{Name: "submit", Phase: phase, Call: "submit_multisig", Before: NoPoint, After: NoPoint},
		{Name: "post_sync", Phase: phase, Call: "refresh", Before: NoPoint, After: PointPayoutFinal},
	}
}

// Payee is the role a payout phase pays: the vendor on release, the buyer on
// refund, the dispute's winner on resolve. ok is false for a phase that is no
// payout, or a resolve whose winner is not the buyer or the vendor.
func (p Phase) Payee(winner Role) (payee Role, ok bool) {
	switch p {
	case PhaseRelease:
		return Vendor, true
	case PhaseRefund:
		return Buyer, true
	case PhaseResolve:
		if winner == Buyer || winner == Vendor {
			return winner, true
		}
	}
	return "", false
}

// Signers are the two roles that sign a payout, the first one building the
// transfer and the second one signing it: buyer and vendor agree on a release
// (the buyer confirms delivery and builds it) or a refund (the vendor agrees
// and builds it); in a dispute the arbiter builds the payout and the winner
// signs it. ok is false as for Payee.
func (p Phase) Signers(winner Role) (signers [Threshold]Role, ok bool) {
	switch p {
	case PhaseRelease:
		return [Threshold]Role{Buyer, Vendor}, true
	case PhaseRefund:
		return [Threshold]Role{Vendor, Buyer}, true
	case PhaseResolve:
		if winner == Buyer || winner == Vendor {
			return [Threshold]Role{Arbiter, winner}, true
		}
	}
	return signers, false
}
