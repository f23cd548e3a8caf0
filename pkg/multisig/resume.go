package multisig

import (
	"context"
	"fmt"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// Resume finishes a payout that was interrupted (a crash, a lost answer)
// after the journal recorded rec, without ever signing twice or paying twice:
//   - rec has transaction hashes (StageSigned or StageSubmitted) and the
//     daemon has them all, in its pool or on the chain: the payout is done;
//     nothing is sent.
//   - rec holds a fully signed set whose transactions the daemon does not
//     have: it is submitted, then the wallets are synced as after any
//     payout. Submitting is idempotent: the set holds the same transactions
//     (same key images) every time, so a second submit of a set already in
//     the pool answers the same hashes and adds nothing (measured on regtest).
//   - otherwise (no record, or only the unsigned set, which was never
//     signed): the payout starts again from fresh multisig info.
//
// A resumed payout is a phase of the escrow for the Observer, as a payout is.
func (p *Payer) Resume(ctx context.Context, req PayoutRequest, rec PayoutRecord) (res PayoutResult, err error) {
	if err := req.Validate(); err != nil {
		return PayoutResult{}, err
	}
	if rec.Stage != StageSigned && rec.Stage != StageSubmitted {
		return p.Pay(ctx, req)
	}
	ctx, end := p.startPhase(ctx, req.EscrowID, req.Phase, req.wallets())
	defer func() { end(err) }()
	if len(rec.TxHashes) == 0 || rec.TxSet == "" {
		return PayoutResult{}, &PayoutError{EscrowID: req.EscrowID, Phase: req.Phase, Step: "resume", Operation: "journal",
			Err: fmt.Errorf("%w: a %s record without its transaction set or hashes", ErrInvalidPayout, rec.Stage)}
	}
	payee, _ := req.Phase.Payee(req.Winner)
	done := PayoutResult{TxHash: rec.TxHashes[0], TxHashes: rec.TxHashes, Amount: rec.Amount, Fee: rec.Fee, Payee: payee, Height: rec.Height, Resumed: true}
	known, height, err := p.onChain(ctx, rec.TxHashes)
	if err != nil {
		return PayoutResult{}, &PayoutError{EscrowID: req.EscrowID, Phase: req.Phase, Step: "resume", Operation: "get_transactions", Err: err}
	}
	if known {
		if done.Height == 0 {
			done.Height = height
		}
		if rec.Stage != StageSubmitted {
			if err := p.journal.Record(ctx, req.EscrowID, PayoutRecord{Stage: StageSubmitted, TxSet: rec.TxSet, TxHashes: rec.TxHashes, Amount: rec.Amount, Fee: rec.Fee, Height: done.Height}); err != nil {
				return PayoutResult{}, &PayoutError{EscrowID: req.EscrowID, Phase: req.Phase, Step: "resume", Operation: "journal", Err: err}
			}
		}
		return done, nil
	}
	// Signed but unknown to the daemon: never submitted, or dropped from
	// its pool. Send the same signed transactions.
	run, release, err := p.lease(ctx, req)
	if err != nil {
		return PayoutResult{}, err
	}
	defer release()
	run.txset, run.hashes, run.amount, run.fee = rec.TxSet, rec.TxHashes, rec.Amount, rec.Fee
	run.resumed = true
	run.exports = map[escrow.Role]string{}
	for _, st := range payoutTable(req.Phase) {
		if st.Name != "submit" && st.Name != "post_sync" {
			continue
		}
		err := p.runStep(ctx, run, st)
		if st.Name == "post_sync" {
			res = run.result()
			res.Resumed, res.SyncErr = true, err
			return res, nil
		}
		if err != nil {
			// A refusal may mean another attempt got there first: the
			// daemon is the judge.
			if known, h, cerr := p.onChain(ctx, rec.TxHashes); cerr == nil && known {
				done.Height = h
				return done, nil
			}
			return PayoutResult{}, err
		}
	}
	return run.result(), nil
}

// onChain reports whether the daemon has every hash (pool or chain) and the
// highest block height among the mined ones.
func (p *Payer) onChain(ctx context.Context, hashes []string) (bool, uint64, error) {
	sts, err := p.cfg.Chain.Transactions(ctx, hashes...)
	if err != nil {
		return false, 0, err
	}
	var height uint64
	for _, st := range sts {
		if !st.Known() {
			return false, 0, nil
		}
		if st.State == chain.TxInChain {
			height = max(height, st.Height)
		}
	}
	return len(sts) > 0, height, nil
}
