package escrows_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/barepayout"
	"github.com/escrowd/escrowd/internal/osprobe"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

var (
	payoutPairs = flag.Int("payout-pairs", 0,
		"BenchmarkServicePayout: release payouts of each kind (service, bare client) for the latency; 0 skips the benchmark")
	payoutConcurrent = flag.Int("payout-concurrent", 5,
		"BenchmarkServicePayout: payouts at once of each kind for the throughput")
	payoutRounds = flag.Int("payout-rounds", 1,
		"BenchmarkServicePayout: rounds of payouts at once of each kind (which kind goes first alternates)")
)

// BenchmarkServicePayout measures what a user of escrowd gets: a release
// through escrows.Service.Payout, from the request to the submitted
// write-ahead record kept in the store, against a bare client
// (internal/barepayout) making the same wallet calls on servers of the
// same pool, in one run on one regtest chain. Latency: -payout-pairs
// releases of each kind, interleaved pair by pair (which one goes first
// alternates); it reports the p50s and their ratio (target <= 1.25).
// Throughput: -payout-rounds rounds of -payout-concurrent funded escrows
// paid out at once through the service and as many bare clients at once
// (which goes first alternates by round); it reports payouts per minute
// of each (payouts / first request -> last submitted, median round) and
// the ratio of the median wall times. Every payout needs a funded escrow,
// so a run does the same work whatever b.N is; run it with -benchtime 1x.
// It takes many minutes (a chain, 2*(pairs+rounds*concurrent) escrow
// setups), so it skips unless -payout-pairs is set:
//
//	go test ./internal/escrows -run '^$' -bench ServicePayout -benchtime 1x -timeout 90m -payout-pairs 5
func BenchmarkServicePayout(b *testing.B) {
	if *payoutPairs <= 0 {
		b.Skip("needs -payout-pairs N (a regtest chain and 2N+2*concurrent escrows: many minutes)")
	}
	n, k, rounds := *payoutPairs, *payoutConcurrent, *payoutRounds
	if k < 1 || rounds < 1 {
		b.Fatalf("-payout-concurrent %d, -payout-rounds %d: want at least 1 each", k, rounds)
	}
	// A payout through the service leases three servers (the payer opens
	// all three wallets: the signers', and every wallet's post-spend sync);
	// the bare client needs two. 3k servers, so that neither side's k at
	// once waits for a lease: with 2k (the first runs of BENCHMARKS.md
	// (9)), only three of five service payouts could hold a lease at once
	// (3 x 3 <= 10), and the other two waited for them.
	rt := startRegtest(b, max(9, 3*k))
	var mu sync.Mutex
	submitted := map[string]time.Time{}
	svc := rt.service(b, 2*time.Second, func(id string, stage multisig.PayoutStage) error {
		if stage == multisig.StageSubmitted { // called after the store kept the record
			mu.Lock()
			submitted[id] = time.Now()
			mu.Unlock()
		}
		return nil
	})
	b.Cleanup(func() { svc.Shutdown(context.Background()) }) //nolint:errcheck // payouts have ended
	ctx := context.Background()

	all := rt.setup(b, svc, 2*n+2*k*rounds)
	// The faucet's primed outputs pay a few escrows per round of mining.
	for batch := range slices.Chunk(all, 8) {
		rt.pay(b, batch...)
	}
	if err := svc.Recover(ctx); err != nil { // starts the funding watcher
		b.Fatal(err)
	}
	for _, e := range all {
		waitFunded(b, svc, e.ID)
	}
	bare := func(e store.Escrow) barepayout.Release {
		return barepayout.Release{
			Pool: rt.pool, Chain: rt.env.Daemon.Client(), Secret: regtestSecret,
			Wallets: [2]string{walletName(e, escrow.Buyer), walletName(e, escrow.Vendor)}, Payee: rt.payees[escrow.Vendor],
		}
	}
	// viaService releases e and returns when its submitted record was kept.
	viaService := func(e store.Escrow) (time.Time, error) {
		if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRelease, ""); err != nil {
			return time.Time{}, err
		}
		wctx, cancel := context.WithTimeout(ctx, 20*time.Minute)
		defer cancel()
		paid, err := svc.WaitPayout(wctx, e.ID)
		if err != nil {
			return time.Time{}, err
		}
		if p := paid.Payout; paid.Status != store.StatusReleased || p == nil || p.Amount+p.Fee != e.Amount {
			return time.Time{}, fmt.Errorf("escrow %s: %s, payout %+v of %d (last error %+v)", e.ID, paid.Status, p, e.Amount, paid.LastError)
		}
		mu.Lock()
		defer mu.Unlock()
		return submitted[e.ID], nil
	}
	viaBare := func(e store.Escrow) (time.Time, error) {
		res, err := bare(e).Run(ctx)
		return res.Submitted, err
	}

	b.ResetTimer()
	var ours, theirs []time.Duration
	for i := range n {
		e, f := all[2*i], all[2*i+1]
		for j := range 2 {
			if (i+j)%2 == 0 {
				start := time.Now()
				end, err := viaService(e)
				if err != nil {
					b.Fatal(err)
				}
				ours = append(ours, end.Sub(start))
			} else {
				res, err := bare(f).Run(ctx)
				if err != nil {
					b.Fatal(err)
				}
				theirs = append(theirs, res.Elapsed())
			}
		}
	}

	var ourWalls, bareWalls []time.Duration
	var ourCPU, bareCPU time.Duration // the wallet servers' CPU time in the rounds at once
	waited := 0                       // the most escrows seen waiting for servers during the rounds
	for r := range rounds {
		batch := all[2*n+2*k*r:]
		for j := range 2 {
			stop := watchWaiting(rt.pool, &waited)
			cpu0 := serversCPU(b, rt)
			if (r+j)%2 == 0 {
				// Until every payout is recorded paid: its post-spend sync
				// included, which the bare client does not do.
				ourWalls = append(ourWalls, atOnce(b, batch[:k], viaService))
				ourCPU += serversCPU(b, rt) - cpu0
			} else {
				bareWalls = append(bareWalls, atOnce(b, batch[k:2*k], viaBare))
				bareCPU += serversCPU(b, rt) - cpu0
			}
			stop()
		}
	}
	b.StopTimer()
	ourWall, bareWall := barepayout.P50(ourWalls), barepayout.P50(bareWalls)
	var ourSerial time.Duration
	for _, d := range ours {
		ourSerial += d
	}

	po, pb := barepayout.P50(ours), barepayout.P50(theirs)
	perMin := func(d time.Duration) float64 { return float64(k) / d.Minutes() }
	b.ReportMetric(po.Seconds(), "service-p50-s")
	b.ReportMetric(pb.Seconds(), "bare-p50-s")
	b.ReportMetric(po.Seconds()/pb.Seconds(), "p50-ratio")
	b.ReportMetric(perMin(ourWall), "service-payouts/min")
	b.ReportMetric(perMin(bareWall), "bare-payouts/min")
	b.ReportMetric(ourWall.Seconds()/bareWall.Seconds(), "wall-ratio")
	b.Logf("release requested -> submitted kept, %d each, interleaved: service %v (p50 %v), bare %v (p50 %v), ratio %.2f",
		n, round(ours), po.Round(time.Millisecond), round(theirs), pb.Round(time.Millisecond), po.Seconds()/pb.Seconds())
	b.Logf("%d at once, first request -> last submitted, %d round(s): service %v (median %v, %.1f payouts/min), bare %v (median %v, %.1f payouts/min), ratio %.2f",
		k, rounds, round(ourWalls), ourWall.Round(time.Millisecond), perMin(ourWall),
		round(bareWalls), bareWall.Round(time.Millisecond), perMin(bareWall), ourWall.Seconds()/bareWall.Seconds())
	b.Logf("the service's %d latency payouts, one after another: %v requested -> submitted in all (%.1f payouts/min)",
		len(ours), ourSerial.Round(time.Millisecond), float64(len(ours))/ourSerial.Minutes())
	b.Logf("%d wallet servers for %d at once; the most payouts seen waiting for a lease: %d", rt.pool.Size(), k, waited)
	b.ReportMetric(float64(waited), "max-lease-waiters")
	payouts := time.Duration(k * rounds)
	b.Logf("the wallet servers' CPU time in the rounds at once: service %v per payout (until recorded paid, post-spend sync included), bare %v per payout, ratio %.2f",
		(ourCPU / payouts).Round(time.Millisecond), (bareCPU / payouts).Round(time.Millisecond), ourCPU.Seconds()/bareCPU.Seconds())
	b.ReportMetric(ourCPU.Seconds()/bareCPU.Seconds(), "server-cpu-ratio")
}

// serversCPU is the CPU time the escrows' wallet servers have used so far.
func serversCPU(b *testing.B, rt *regtest) time.Duration {
	b.Helper()
	pids := make([]int, 0, len(rt.env.Servers))
	for _, s := range rt.env.Servers {
		pids = append(pids, s.PID())
	}
	d, err := osprobe.TotalCPUTime(pids)
	if err != nil {
		b.Fatal(err)
	}
	return d
}

// watchWaiting samples how many escrows wait for servers in pool until
// the returned stop is called, keeping the most in *most.
func watchWaiting(pool *walletpool.Pool, most *int) (stop func()) {
	done := make(chan struct{})
	finished := make(chan struct{})
	go func() {
		defer close(finished)
		t := time.NewTicker(50 * time.Millisecond)
		defer t.Stop()
		for {
			*most = max(*most, pool.Stats().Waiting)
			select {
			case <-done:
				return
			case <-t.C:
			}
		}
	}()
	return func() { close(done); <-finished }
}

// atOnce pays es at once with pay, which returns when each payout was
// submitted, and returns the time from the start to the last submitted.
func atOnce(b *testing.B, es []store.Escrow, pay func(store.Escrow) (time.Time, error)) time.Duration {
	b.Helper()
	ends := make([]time.Time, len(es))
	errs := make([]error, len(es))
	start := time.Now()
	var wg sync.WaitGroup
	for i, e := range es {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ends[i], errs[i] = pay(e)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		b.Fatal(err)
	}
	last := slices.MaxFunc(ends, func(a, c time.Time) int { return a.Compare(c) })
	if last.IsZero() {
		b.Fatal("no payout's submitted record was kept")
	}
	return last.Sub(start)
}

// walletName is role's wallet file of e, as its setup named it.
func walletName(e store.Escrow, role escrow.Role) string {
	if name := e.Wallets[role]; name != "" {
		return name
	}
	return escrow.WalletName(e.ID, role)
}

func round(ds []time.Duration) []time.Duration {
	out := make([]time.Duration, len(ds))
	for i, d := range ds {
		out[i] = d.Round(time.Millisecond)
	}
	return out
}
