package multisig_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// TestMeasureNaiveStaleData measures what the real wallet answers when the
// naive mode reuses a multisig export after a spend (issue 16: "stale data"
// -35 on demand). It is a measurement, run on demand only
// (ESCROWD_MEASURE_STALE=1): it logs each attempt's answer.
func TestMeasureNaiveStaleData(t *testing.T) {
	if os.Getenv("ESCROWD_MEASURE_STALE") == "" {
		t.Skip("a measurement: ESCROWD_MEASURE_STALE=1 runs it")
	}
	rt := startRegtest(t, 3)
	ctx := context.Background()
	f := rt.fundEscrows(t, 1)[0]
	req := multisig.PayoutRequest{EscrowID: f.id, Phase: escrow.PhaseRelease, PayeeAddress: rt.payees[escrow.Vendor], Wallets: f.wallets}
	log := func(step string, err error) {
		var werr *walletrpc.Error
		code := 0
		if errors.As(err, &werr) {
			code = werr.Code
		}
		t.Logf("%-60s -> kind %q code %d: %v", step, multisig.KindOf(err), code, err)
	}
	// 1. A default payout interrupted after building its set: every signer
	// refreshed, exported, imported and saved; nothing signed or sent.
	_, err := rt.payer(t, false, &memJournal{failAt: multisig.StageUnsigned}, nil).Pay(ctx, req)
	log("1 default, interrupted after transfer", err)
	// 2. A naive payout: exports made now (and kept), no refresh.
	naive := rt.payer(t, true, nil, nil)
	res, err := naive.Pay(ctx, req)
	log("2 naive, first attempt (caches current)", err)
	if err == nil {
		t.Logf("   paid %d, fee %d", res.Amount, res.Fee)
	}
	// 3. The escrow is funded again, then paid naively: the exports of
	// attempt 2 are reused after the spend.
	if _, err := rt.env.Faucet.Pay(ctx, f.address, f.amount); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.env.Faucet.Mine(ctx, chain.SpendableAge); err != nil {
		t.Fatal(err)
	}
	_, err = naive.Pay(ctx, req)
	log("3 naive after a spend and new funds, export reused", err)
	fnd, ferr := rt.payer(t, false, nil, nil).Funded(ctx, f.id, f.wallets, f.amount)
	t.Logf("   funded check (refreshes the buyer): %+v %v", fnd, ferr)
	_, err = naive.Pay(ctx, req)
	log("4 naive again, buyer refreshed by the funded check", err)
	// 5. A default payout refreshes and exports afresh, the naive one
	// after it reuses its old exports again.
	_, err = rt.payer(t, false, &memJournal{failAt: multisig.StageUnsigned}, nil).Pay(ctx, req)
	log("5 default, interrupted after transfer", err)
	_, err = naive.Pay(ctx, req)
	log("6 naive after the default's fresh exports", err)
	res, err = rt.payer(t, false, nil, nil).Pay(ctx, req)
	log("7 default payout", err)

	// 8-11. A transaction set built on the vendor's export, signed by the
	// vendor after it exported again (a newer attempt): the export the set
	// was built on is stale.
	if _, err := rt.env.Faucet.Pay(ctx, f.address, f.amount); err != nil {
		t.Fatal(err)
	}
	if _, err := rt.env.Faucet.Mine(ctx, chain.SpendableAge); err != nil {
		t.Fatal(err)
	}
	j1 := &memJournal{failAt: multisig.StageUnsigned}
	_, err = rt.payer(t, false, j1, nil).Pay(ctx, req)
	log("8 default, interrupted after transfer (set 1)", err)
	j2 := &memJournal{failAt: multisig.StageUnsigned}
	_, err = rt.payer(t, false, j2, nil).Pay(ctx, req)
	log("9 default, interrupted after transfer (set 2, new exports)", err)
	_, err = signAs(t, rt, f.wallets[escrow.Vendor], j1.last().TxSet)
	log("10 vendor signs set 1 (built on its older export)", err)
	_, err = signAs(t, rt, f.wallets[escrow.Vendor], j2.last().TxSet)
	log("11 vendor signs set 2 (built on its latest export)", err)
}

// signAs opens wallet on a leased server and signs txset with it.
func signAs(t *testing.T, rt *regtest, wallet, txset string) (walletrpc.SignResult, error) {
	t.Helper()
	ctx := context.Background()
	lease, err := rt.pool.Acquire(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	c := lease.Servers()[0].Client()
	if err := c.OpenWallet(ctx, wallet, multisig.WalletPassword(payoutSecret, wallet)); err != nil {
		t.Fatal(err)
	}
	defer c.CloseWallet(ctx)
	return c.SignMultisig(ctx, txset)
}
