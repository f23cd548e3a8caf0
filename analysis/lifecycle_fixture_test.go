package analysis

import (
	"fmt"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// lifecycle describes a hand-made escrow that is set up (a clean setup),
// funded, and paid out one or more times; each payout bends one thing so a
// fixture shows one payout kind. The files follow the contract's lifecycle
// additions and escrowd's payer (pkg/multisig: escrow.PayoutSteps, the
// snapshots after each step's check, ERROR_FINAL at the phase's end).
type lifecycle struct {
	id      string
	start   time.Time
	funded  uint64
	payouts []payout
}

// payout is one payout phase; the zero value (with a phase) pays cleanly.
type payout struct {
	phase  escrow.Phase
	winner escrow.Role // resolve only
	// naive: no refresh before the import (escrowd's naive mode): the wallets
	// see balance 0 and sweep_all answers -4, as measured on 0.18.
	naive bool
	// reuseExport: this role makes no export (an earlier attempt's is reused).
	reuseExport escrow.Role
	// staleSign: sign_multisig answers -35 stale data.
	staleSign bool
	// importNeeded: this role's wallet still needs an import after the
	// import step; the payer's check ends the payout.
	importNeeded escrow.Role
	// balances overrides the signers' balances after the import; when they
	// differ the payer's check ends the payout.
	balances map[escrow.Role]uint64
}

const (
	fundedAmountFixture = uint64(1_000_000_000_000)
	chainHeight         = uint64(140)
)

func (l lifecycle) build() *escrowtrace.File {
	start := l.start
	if start.IsZero() {
		start = time.Date(2025, 1, 2, 5, 0, 0, 0, time.UTC)
	}
	f := setup{id: l.id, start: start}.build()
	b := &builder{f: f, now: *f.DurationMS, span: 0x1000}
	f.Phases = []escrowtrace.PhaseRecord{{
		Name: escrow.PhaseSetup, Outcome: escrowtrace.OutcomeSuccess, StartedAt: start,
		EndedAt: f.EndedAt, DurationMS: f.DurationMS,
	}}
	amount := l.funded
	if amount == 0 {
		amount = fundedAmountFixture
	}

	// Funding: the buyer's wallet is opened, refreshed and read until the
	// funds are unlocked.
	b.begin(escrow.PhaseFund, 4000)
	b.call(roleBuyer, 0, "open_wallet", 110, 0, "")
	b.call(roleBuyer, 0, "refresh", 45, 0, "")
	b.call(roleBuyer, 0, "get_balance", 3, 0, "")
	b.snap(roleBuyer, int(escrow.PointFunded), payoutSnap(l.id, roleBuyer, amount, false, chainHeight))
	b.end(escrowtrace.OutcomeSuccess, nil)

	for _, p := range l.payouts {
		b.payout(l.id, amount, p)
	}
	return f
}

// begin starts a phase gapMS after the last one ended.
func (b *builder) begin(p escrow.Phase, gapMS float64) {
	b.now += gapMS
	b.phase = p
	at := b.f.StartedAt.Add(time.Duration(b.now * float64(time.Millisecond)))
	b.f.Phases = append(b.f.Phases, escrowtrace.PhaseRecord{Name: p, Outcome: escrowtrace.OutcomeIncomplete, StartedAt: at})
}

// end ends the current phase; the file's top level is the latest phase's.
func (b *builder) end(outcome string, e *escrowtrace.FileError) {
	b.now += 2
	rec := &b.f.Phases[len(b.f.Phases)-1]
	at := b.f.StartedAt.Add(time.Duration(b.now * float64(time.Millisecond)))
	d := float64(at.Sub(rec.StartedAt)) / float64(time.Millisecond)
	rec.Outcome, rec.EndedAt, rec.DurationMS, rec.Error = outcome, &at, &d, e
	b.f.Outcome, b.f.EndedAt, b.f.DurationMS, b.f.Error = outcome, ptr(at), ptr(d), e
}

func payoutSnap(id, role string, balance uint64, importNeeded bool, height uint64) escrowtrace.Snapshot {
	return escrowtrace.Snapshot{
		WalletID: id + "-" + role, IsMultisig: true, Ready: ptr(true), Threshold: ptr(2), Total: ptr(3),
		Balance: ptr(balance), UnlockedBalance: ptr(balance), AddressHash: finalHash, WalletFileMode: "0600",
		MultisigImportNeeded: ptr(importNeeded), Height: ptr(height),
	}
}

// fail ends the payout with ERROR_FINAL (role "" for the payer's own check
// of both signers) and ends the phase failed.
func (b *builder) fail(id string, role, op, msg string, kind escrow.Kind) {
	b.now++
	b.add(escrowtrace.Event{Type: escrowtrace.EventErrorFinal, Role: role,
		Error:   &escrowtrace.EventError{Message: msg, Kind: kind},
		Context: &escrowtrace.ErrorContext{Operation: op, WalletID: walletOf(id, role), EscrowID: id, Phase: b.phase, Role: role}})
	b.end(escrowtrace.OutcomeFailed, &escrowtrace.FileError{Message: msg, Role: role, Operation: op, Kind: kind})
}

func walletOf(id, role string) string {
	if role == "" {
		return ""
	}
	return id + "-" + role
}

// payout runs one payout phase as escrowd's payer does.
func (b *builder) payout(id string, amount uint64, p payout) {
	b.begin(p.phase, 3000)
	signers, _ := p.phase.Signers(p.winner)
	builderRole, cosigner := string(signers[0]), string(signers[1])
	height := chainHeight + 10
	for _, r := range signers {
		b.call(string(r), 0, "open_wallet", 115, 0, "")
		if !p.naive {
			b.call(string(r), 0, "refresh", 35, 0, "")
		}
	}
	for _, r := range signers {
		bal, h, needed := amount, height, true
		if p.naive {
			bal, h, needed = 0, chainHeight-30, false // the wallet has not seen the funding yet
		}
		b.snap(string(r), int(escrow.PointPreSync), payoutSnap(id, string(r), bal, needed, h))
	}
	for _, r := range signers {
		if r != p.reuseExport {
			b.call(string(r), 0, "export_multisig_info", 25, 0, "")
		}
	}
	for _, r := range signers {
		b.call(string(r), 0, "import_multisig_info", 60, 0, "")
		b.call(string(r), 0, "get_balance", 3, 0, "")
	}
	balance := func(r escrow.Role) uint64 {
		if v, ok := p.balances[r]; ok {
			return v
		}
		if p.naive {
			return 0
		}
		return amount
	}
	for _, r := range signers {
		h := height
		if p.naive {
			h = chainHeight - 30
		}
		b.snap(string(r), int(escrow.PointPostSync), payoutSnap(id, string(r), balance(r), r == p.importNeeded, h))
	}
	switch {
	case p.importNeeded != "":
		b.fail(id, string(p.importNeeded), "get_balance",
			fmt.Sprintf("%s: %s: import: get_balance: multisig import is needed after import_multisig_info", p.phase, p.importNeeded), escrow.KindImportNeeded)
		return
	case balance(signers[0]) != balance(signers[1]):
		b.fail(id, "", "get_balance", fmt.Sprintf("%s: import: get_balance: signers disagree on the balance: %s unlocked %d of %d, %s unlocked %d of %d",
			p.phase, signers[0], balance(signers[0]), balance(signers[0]), signers[1], balance(signers[1]), balance(signers[1])), escrow.KindBalanceMismatch)
		return
	}
	if p.naive {
		b.call(builderRole, 0, "sweep_all", 9, -4, "No unlocked balance in the specified account")
		b.fail(id, builderRole, "transfer", fmt.Sprintf("%s: %s: transfer: No unlocked balance in the specified account", p.phase, builderRole), escrow.KindNotEnoughMoney)
		return
	}
	b.call(builderRole, 0, "sweep_all", 240, 0, "")
	b.snap(builderRole, int(escrow.PointPostSign), payoutSnap(id, builderRole, amount, false, height))
	b.call(cosigner, 0, "describe_transfer", 18, 0, "")
	if p.staleSign {
		b.call(cosigner, 0, "sign_multisig", 30, -35, "Failed to sign multisig tx: Multisig signature made with stale data")
		b.fail(id, cosigner, "sign_multisig", fmt.Sprintf("%s: %s: sign: Failed to sign multisig tx: Multisig signature made with stale data", p.phase, cosigner), escrow.KindStaleData)
		return
	}
	b.call(cosigner, 0, "sign_multisig", 310, 0, "")
	b.snap(cosigner, int(escrow.PointPostSign), payoutSnap(id, cosigner, amount, false, height))
	b.call(cosigner, 0, "submit_multisig", 85, 0, "")
	// The post-spend sync: every wallet refreshes and exports, then imports
	// the two others' and stores.
	b.call(roleArbiter, 0, "open_wallet", 120, 0, "")
	for _, r := range roleNames() {
		b.call(r, 0, "refresh", 40, 0, "")
		b.call(r, 0, "export_multisig_info", 25, 0, "")
	}
	for _, r := range roleNames() {
		b.call(r, 0, "import_multisig_info", 70, 0, "")
		b.call(r, 0, "store", 30, 0, "")
	}
	for _, r := range roleNames() {
		b.snap(r, int(escrow.PointPayoutFinal), payoutSnap(id, r, 0, false, height+1))
	}
	b.end(escrowtrace.OutcomeSuccess, nil)
}

// lifecycleFixtures are the hand-made escrows of testdata/lifecycle, by file
// name: a released escrow and one fixture per payout kind.
func lifecycleFixtures() map[string]*escrowtrace.File {
	rel := escrow.PhaseRelease
	return map[string]*escrowtrace.File{
		"released.json": lifecycle{id: "released", payouts: []payout{{phase: rel}}}.build(),
		"import_before_refresh.json": lifecycle{id: "naive", start: time.Date(2025, 1, 2, 6, 0, 0, 0, time.UTC),
			payouts: []payout{{phase: rel, naive: true}}}.build(),
		"stale_multisig_data.json": lifecycle{id: "stale",
			payouts: []payout{{phase: rel, reuseExport: escrow.Vendor, staleSign: true}}}.build(),
		"multisig_import_needed.json": lifecycle{id: "import-needed",
			payouts: []payout{{phase: rel, importNeeded: escrow.Vendor}}}.build(),
		"balance_mismatch.json": lifecycle{id: "balance-mismatch",
			payouts: []payout{{phase: rel, balances: map[escrow.Role]uint64{escrow.Vendor: 600_000_000_000}}}}.build(),
		"double_payout.json": lifecycle{id: "double-payout",
			payouts: []payout{{phase: rel}, {phase: escrow.PhaseRefund}}}.build(),
		"resolved.json": lifecycle{id: "resolved",
			payouts: []payout{{phase: escrow.PhaseResolve, winner: escrow.Vendor}}}.build(),
	}
}

func escrowPhase(s string) escrow.Phase { return escrow.Phase(s) }
