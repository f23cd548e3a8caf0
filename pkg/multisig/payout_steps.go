package multisig

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// payoutRun is one payout's state as its steps fill it.
type payoutRun struct {
	req     PayoutRequest
	payee   escrow.Role
	all     []*walletSession // in escrow.Roles order
	byRole  map[escrow.Role]*walletSession
	signers [escrow.Threshold]*walletSession // builder, then co-signer
	// resumed: a Resume's run, which opens the co-signer's wallet only to
	// submit the signed set it recorded.
	resumed bool

	exports  map[escrow.Role]string
	balances map[escrow.Role]walletrpc.BalanceInfo
	balance  uint64 // the unlocked balance both signers agree on
	txset    string // unsigned, then fully signed
	hashes   []string
	amount   uint64
	fee      uint64
	height   uint64

	mu sync.Mutex // guards the maps while a step's roles run at once
}

func (r *payoutRun) fail(step string, role escrow.Role, op string, err error) error {
	return &PayoutError{EscrowID: r.req.EscrowID, Phase: r.req.Phase, Step: step, Role: role, Operation: op, Err: err}
}

// payoutStep is one barrier of the payout: roles names who takes part, do
// is each one's part (the roles run at once), then done checks and records
// what the step produced, on the payout's goroutine.
type payoutStep struct {
	escrow.Step
	roles func(r *payoutRun) []*walletSession
	do    func(ctx context.Context, p *Payer, r *payoutRun, s *walletSession) error
	done  func(ctx context.Context, p *Payer, r *payoutRun) error
}

func signersOf(r *payoutRun) []*walletSession  { return r.signers[:] }
func builderOf(r *payoutRun) []*walletSession  { return r.signers[:1] }
func cosignerOf(r *payoutRun) []*walletSession { return r.signers[1:] }
func allOf(r *payoutRun) []*walletSession      { return r.all }

// payoutTable is the payout protocol: escrow.PayoutSteps with each step's
// work. The post-spend sync is last and outside the money path: its failure
// is reported on the result, not as the payout's.
func payoutTable(phase escrow.Phase) []payoutStep {
	work := map[string]payoutStep{
		"refresh":   {roles: signersOf, do: stepRefresh},
		"export":    {roles: signersOf, do: stepExport},
		"import":    {roles: signersOf, do: stepImport, done: checkBalances},
		"transfer":  {roles: builderOf, do: stepTransfer, done: recordUnsigned},
		"sign":      {roles: cosignerOf, do: stepSign, done: recordSigned},
		"submit":    {roles: cosignerOf, do: stepSubmit, done: recordSubmitted},
		"post_sync": {roles: allOf, do: stepPostSync, done: syncImports},
	}
	steps := escrow.PayoutSteps(phase)
	table := make([]payoutStep, len(steps))
	for i, s := range steps {
		w, ok := work[s.Name]
		if !ok {
			panic("multisig: payout step without work: " + s.Name) // a new step in package escrow needs its work here
		}
		w.Step = s
		table[i] = w
	}
	return table
}

// run takes the payout through its table.
func (p *Payer) run(ctx context.Context, r *payoutRun) (PayoutResult, error) {
	r.exports = map[escrow.Role]string{}
	r.balances = map[escrow.Role]walletrpc.BalanceInfo{}
	for _, st := range payoutTable(r.req.Phase) {
		err := p.runStep(ctx, r, st)
		if st.Name == "post_sync" {
			res := r.result()
			res.SyncErr = err
			if err != nil {
				p.logger.Warn("post-spend sync failed; the payout is done", "escrow_id", r.req.EscrowID, "err", err)
			}
			return res, nil
		}
		if err != nil {
			return PayoutResult{}, err
		}
	}
	return r.result(), nil
}

// runStep runs one step as a stage of the phase (Observer.StartPhase).
func (p *Payer) runStep(ctx context.Context, r *payoutRun, st payoutStep) (err error) {
	ctx = p.obs.StartPhase(ctx, Phase(st.Name))
	defer func() { p.obs.EndPhase(ctx, err) }()
	roles := st.roles(r)
	err = eachWallet(ctx, roles, func(ctx context.Context, s *walletSession) error {
		if err := s.ensureOpen(ctx); err != nil {
			return r.fail(st.Name, s.role, "open_wallet", errors.Unwrap(err))
		}
		if err := st.do(ctx, p, r, s); err != nil {
			var pe *PayoutError
			if errors.As(err, &pe) {
				return err
			}
			return r.fail(st.Name, s.role, st.Call, err)
		}
		return nil
	})
	if err != nil {
		return err
	}
	if st.done != nil {
		err = st.done(ctx, p, r)
	}
	// The snapshots come after the step's check, even a failed one: the
	// state that made it fail (a zero balance, an import still needed) is
	// what a diagnosis needs.
	if st.After != escrow.NoPoint {
		_ = eachWallet(ctx, roles, func(ctx context.Context, s *walletSession) error {
			p.obs.Snapshot(ctx, st.After, s.role, s)
			return nil
		})
	}
	return err
}

// set writes r's shared state from one role's goroutine.
func (r *payoutRun) set(f func()) {
	r.mu.Lock()
	defer r.mu.Unlock()
	f()
}

// stepRefresh: the wallet catches up with the chain before anything else.
// The naive mode skips it (the bug: import before refresh).
func stepRefresh(ctx context.Context, p *Payer, r *payoutRun, s *walletSession) error {
	if p.cfg.Naive {
		return nil
	}
	_, err := s.client.Refresh(s.ctx(ctx))
	return err
}

// stepExport: each signer's partial key images for the other. The naive
// mode reuses a wallet's first export on every attempt.
func stepExport(ctx context.Context, p *Payer, r *payoutRun, s *walletSession) error {
	if p.cfg.Naive {
		p.mu.Lock()
		info, ok := p.exports[s.wallet]
		p.mu.Unlock()
		if ok {
			r.set(func() { r.exports[s.role] = info })
			return nil
		}
	}
	info, err := s.client.ExportMultisigInfo(s.ctx(ctx))
	if err != nil {
		return err
	}
	if info == "" {
		return errors.New("empty multisig info")
	}
	if p.cfg.Naive {
		p.mu.Lock()
		p.exports[s.wallet] = info
		p.mu.Unlock()
	}
	r.set(func() { r.exports[s.role] = info })
	return nil
}

// stepImport: each signer imports the other's export (never its own), then
// reads its balance and whether it still needs an import.
func stepImport(ctx context.Context, p *Payer, r *payoutRun, s *walletSession) error {
	var other string
	for _, o := range r.signers {
		if o != s {
			other = r.exports[o.role]
		}
	}
	if _, err := s.client.ImportMultisigInfo(s.ctx(ctx), []string{other}); err != nil {
		return err
	}
	b, err := s.client.GetBalanceInfo(s.ctx(ctx))
	if err != nil {
		return r.fail("import", s.role, "get_balance", err)
	}
	r.set(func() { r.balances[s.role] = b })
	return nil
}

// checkBalances: both signers can spend (no import needed) and see the same,
// non-zero, unlocked balance.
func checkBalances(_ context.Context, p *Payer, r *payoutRun) error {
	a, b := r.balances[r.signers[0].role], r.balances[r.signers[1].role]
	r.balance = a.UnlockedBalance
	if p.cfg.Naive {
		return nil
	}
	for _, s := range r.signers {
		if r.balances[s.role].MultisigImportNeeded {
			return r.fail("import", s.role, "get_balance", fmt.Errorf("%w after import_multisig_info", walletrpc.ErrImportNeeded))
		}
	}
	if a.UnlockedBalance != b.UnlockedBalance || a.Balance != b.Balance {
		return r.fail("import", "", "get_balance", fmt.Errorf("%w: %s unlocked %d of %d, %s unlocked %d of %d", ErrBalanceMismatch,
			r.signers[0].role, a.UnlockedBalance, a.Balance, r.signers[1].role, b.UnlockedBalance, b.Balance))
	}
	if a.UnlockedBalance == 0 {
		return r.fail("import", "", "get_balance", fmt.Errorf("%w (balance %d, %d blocks to unlock)", ErrNotFunded, a.Balance, a.BlocksToUnlock))
	}
	return nil
}

// stepTransfer: the builder sweeps the whole unlocked balance to the payee;
// the answer is the unsigned set (nothing is sent).
func stepTransfer(ctx context.Context, p *Payer, r *payoutRun, s *walletSession) error {
	res, err := s.client.SweepAll(s.ctx(ctx), r.req.PayeeAddress)
	if err != nil {
		return r.fail("transfer", s.role, "sweep_all", err) // the step's call, as the wallet names it
	}
	if res.MultisigTxSet == "" {
		return errors.New("sweep_all answered no multisig_txset")
	}
	r.txset, r.amount, r.fee = res.MultisigTxSet, sum(res.Amounts), sum(res.Fees)
	return nil
}

func recordUnsigned(ctx context.Context, p *Payer, r *payoutRun) error {
	return p.record(ctx, r, "transfer", PayoutRecord{Stage: StageUnsigned, TxSet: r.txset, Amount: r.amount, Fee: r.fee})
}

// stepSign: the co-signer checks what the set pays before it signs it.
func stepSign(ctx context.Context, p *Payer, r *payoutRun, s *walletSession) error {
	if !p.cfg.Naive {
		desc, err := s.client.DescribeTransfer(s.ctx(ctx), r.txset)
		if err != nil {
			return r.fail("sign", s.role, "describe_transfer", err)
		}
		if err := checkDescription(desc, r.req.PayeeAddress, r.amount, r.fee, r.balance); err != nil {
			return r.fail("sign", s.role, "describe_transfer", err)
		}
	}
	res, err := s.client.SignMultisig(s.ctx(ctx), r.txset)
	if err != nil {
		return err
	}
	if res.TxDataHex == "" || len(res.TxHashList) == 0 {
		return errors.New("sign_multisig answered no signed set or no transaction hash")
	}
	r.txset, r.hashes = res.TxDataHex, res.TxHashList
	return nil
}

// checkDescription: every output goes to the payee, their sum is the
// builder's amount, no change leaves the escrow, and amount plus fee is the
// whole balance the signers agreed on.
func checkDescription(desc []walletrpc.TxDescription, payee string, amount, fee, balance uint64) error {
	if len(desc) == 0 {
		return fmt.Errorf("%w: the set has no transaction", ErrTxSetMismatch)
	}
	var out, fees uint64
	for _, d := range desc {
		for _, rc := range d.Recipients {
			if rc.Address != payee {
				return fmt.Errorf("%w: an output goes to another address", ErrTxSetMismatch)
			}
			out += rc.Amount
		}
		if d.ChangeAmount != 0 {
			return fmt.Errorf("%w: %d of change", ErrTxSetMismatch, d.ChangeAmount)
		}
		fees += d.Fee
	}
	switch {
	case out != amount || fees != fee:
		return fmt.Errorf("%w: pays %d with fee %d, the builder said %d with fee %d", ErrTxSetMismatch, out, fees, amount, fee)
	case out+fees != balance:
		return fmt.Errorf("%w: pays %d + fee %d, the balance is %d", ErrTxSetMismatch, out, fees, balance)
	}
	return nil
}

func recordSigned(ctx context.Context, p *Payer, r *payoutRun) error {
	return p.record(ctx, r, "sign", PayoutRecord{Stage: StageSigned, TxSet: r.txset, TxHashes: r.hashes, Amount: r.amount, Fee: r.fee})
}

// stepSubmit: the co-signer, who holds the fully signed set, sends it.
func stepSubmit(ctx context.Context, p *Payer, r *payoutRun, s *walletSession) error {
	if r.resumed {
		// A wallet opened afresh knows only the outputs it had scanned when
		// it was last saved: submit_multisig can't load a set that spends
		// outputs it has not seen ("Failed to parse multisig tx data", -34,
		// measured after a restart with the server's background refresh
		// off). Refreshing signs nothing and sends nothing.
		if _, err := s.client.Refresh(s.ctx(ctx)); err != nil {
			return err
		}
	}
	hashes, err := s.client.SubmitMultisig(s.ctx(ctx), r.txset)
	if err != nil {
		return err
	}
	if !sameHashes(hashes, r.hashes) {
		return fmt.Errorf("submit_multisig answered %d hashes that differ from the signed set's %d", len(hashes), len(r.hashes))
	}
	h, err := p.cfg.Chain.GetHeight(ctx)
	if err != nil {
		p.logger.Debug("height after submit", "escrow_id", r.req.EscrowID, "err", err)
	}
	r.height = h
	return nil
}

func recordSubmitted(ctx context.Context, p *Payer, r *payoutRun) error {
	return p.record(ctx, r, "submit", PayoutRecord{Stage: StageSubmitted, TxSet: r.txset, TxHashes: r.hashes, Amount: r.amount, Fee: r.fee, Height: r.height})
}

// stepPostSync: after a spend every wallet needs the others' multisig info
// again (multisig_import_needed turns true); all three refresh and export
// here, and import the two others' in syncImports, so that every wallet,
// the third one too, shows the spend.
func stepPostSync(ctx context.Context, p *Payer, r *payoutRun, s *walletSession) error {
	if _, err := s.client.Refresh(s.ctx(ctx)); err != nil {
		return err
	}
	info, err := s.client.ExportMultisigInfo(s.ctx(ctx))
	if err != nil {
		return r.fail("post_sync", s.role, "export_multisig_info", err)
	}
	r.set(func() { r.exports[s.role] = info })
	return nil
}

func syncImports(ctx context.Context, p *Payer, r *payoutRun) error {
	return eachWallet(ctx, r.all, func(ctx context.Context, s *walletSession) error {
		infos := make([]string, 0, escrow.Participants-1)
		for _, o := range r.all {
			if o != s {
				infos = append(infos, r.exports[o.role])
			}
		}
		if _, err := s.client.ImportMultisigInfo(s.ctx(ctx), infos); err != nil {
			return r.fail("post_sync", s.role, "import_multisig_info", err)
		}
		if err := s.client.Store(s.ctx(ctx)); err != nil {
			return r.fail("post_sync", s.role, "store", err)
		}
		return nil
	})
}

func (r *payoutRun) result() PayoutResult {
	res := PayoutResult{TxHashes: r.hashes, Amount: r.amount, Fee: r.fee, Payee: r.payee, Height: r.height}
	if len(r.hashes) > 0 {
		res.TxHash = r.hashes[0]
	}
	return res
}

func sum(xs []uint64) uint64 {
	var t uint64
	for _, x := range xs {
		t += x
	}
	return t
}

func sameHashes(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
