package multisig_test

import (
	"context"
	"flag"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/barepayout"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

var payoutPairs = flag.Int("payout-pairs", 0, "BenchmarkPayoutVsBareClient: payouts of each kind (escrowd, bare client); 0 skips it")

// BenchmarkPayoutVsBareClient measures a release's latency, requested ->
// submitted, through Payer.Pay and through a bare client making the same
// wallet calls (open, refresh, export, import, get_balance, sweep_all,
// describe_transfer, sign_multisig, submit_multisig) on servers of the same
// pool, interleaved in one run on one regtest chain. Each payout needs a
// funded escrow, so a run does -payout-pairs of each whatever b.N is; run it
// with -benchtime=1x. It reports the p50s and their ratio (target <= 1.25).
// It takes minutes (a chain, 2*pairs escrow setups), so bench-smoke skips
// it: run it as
//
//	go test ./pkg/multisig -run '^$' -bench PayoutVsBareClient -benchtime 1x -payout-pairs 5
func BenchmarkPayoutVsBareClient(b *testing.B) {
	if *payoutPairs <= 0 {
		b.Skip("needs -payout-pairs N (a regtest chain and 2N escrows: minutes)")
	}
	rt := startRegtest(b, 9)
	n := *payoutPairs
	escrows := rt.fundEscrows(b, 2*n)
	ctx := context.Background()
	var submitted time.Time
	j := multisig.JournalFunc(func(_ context.Context, _ string, rec multisig.PayoutRecord) error {
		if rec.Stage == multisig.StageSubmitted {
			submitted = time.Now()
		}
		return nil
	})
	payer := rt.payer(b, false, j, nil)
	var ours, bare []time.Duration
	b.ResetTimer()
	for i := 0; i < n; i++ {
		f := escrows[2*i]
		start := time.Now()
		res, err := payer.Pay(ctx, multisig.PayoutRequest{EscrowID: f.id, Phase: escrow.PhaseRelease, PayeeAddress: rt.payees[escrow.Vendor], Wallets: f.wallets})
		if err != nil {
			b.Fatal(err)
		}
		if res.Amount+res.Fee != f.amount {
			b.Fatalf("escrowd payout %+v of %d", res, f.amount)
		}
		ours = append(ours, submitted.Sub(start))

		f = escrows[2*i+1]
		d, err := bareRelease(ctx, rt, f)
		if err != nil {
			b.Fatal(err)
		}
		bare = append(bare, d)
	}
	b.StopTimer()
	po, pb := barepayout.P50(ours), barepayout.P50(bare)
	b.ReportMetric(po.Seconds(), "escrowd-p50-s")
	b.ReportMetric(pb.Seconds(), "bare-p50-s")
	b.ReportMetric(po.Seconds()/pb.Seconds(), "ratio")
	b.Logf("release requested -> submitted, %d each: escrowd %v (p50 %v), bare %v (p50 %v), ratio %.2f", n, ours, po, bare, pb, po.Seconds()/pb.Seconds())
}

// bareRelease pays an escrow to the vendor with the wallet calls alone
// (internal/barepayout) and returns the time from start to submitted.
func bareRelease(ctx context.Context, rt *regtest, f funded) (time.Duration, error) {
	res, err := barepayout.Release{
		Pool: rt.pool, Chain: rt.env.Daemon.Client(), Secret: payoutSecret,
		Wallets: [2]string{f.wallets[escrow.Buyer], f.wallets[escrow.Vendor]}, Payee: rt.payees[escrow.Vendor],
	}.Run(ctx)
	return res.Elapsed(), err
}
