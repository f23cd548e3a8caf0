package escrows_test

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/chaintest"
	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

var regtestSecret = []byte("escrowd-lifecycle-test-master-secret-32")

// regtest is a chain with wallet servers, a coordinator on them, a store,
// and the payees' own wallets on the spare server.
type regtest struct {
	env    *chaintest.Env
	pool   *walletpool.Pool
	coord  *multisig.Coordinator
	store  *store.Store
	payees map[escrow.Role]string // role -> the payee's own wallet address
	logger *slog.Logger

	own *chaintest.Payees // the payees' own wallets on the spare server
}

func startRegtest(t testing.TB, servers int) *regtest {
	t.Helper()
	chaintest.Skip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "lifecycle-test-")
	if err != nil {
		t.Fatal(err)
	}
	env, err := chaintest.Start(ctx, dir, servers)
	if err != nil {
		os.RemoveAll(dir)
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := env.Stop(context.Background()); err != nil {
			t.Errorf("stop regtest: %v", err)
		}
		os.RemoveAll(dir)
	})
	pool, err := walletpool.NewPool(env.Servers, walletpool.PoolOptions{MaxWaiters: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	coord, err := multisig.New(multisig.Config{Pool: pool, Secret: regtestSecret, CallTimeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(dir, "data", "escrowd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	rt := &regtest{env: env, pool: pool, coord: coord, store: st,
		logger: slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))}
	payees, err := chaintest.NewPayees(ctx, env.Spare)
	if err != nil {
		t.Fatal(err)
	}
	rt.own, rt.payees = payees, payees.Addresses
	return rt
}

// service is a Service over the chain's store with a real Payer whose
// journal is the service; crash, when set, is asked after each record is
// kept: an error it returns stops the payout there, as a killed process
// would stop.
func (rt *regtest) service(t testing.TB, retry time.Duration, crash func(id string, stage multisig.PayoutStage) error) *escrows.Service {
	t.Helper()
	var svc *escrows.Service
	payer, err := multisig.NewPayer(multisig.PayoutConfig{
		Pool: rt.pool, Secret: regtestSecret, Chain: rt.env.Daemon.Client(), CallTimeout: 10 * time.Minute, Logger: rt.logger,
		Journal: multisig.JournalFunc(func(ctx context.Context, id string, rec multisig.PayoutRecord) error {
			if err := svc.Record(ctx, id, rec); err != nil {
				return err
			}
			if crash != nil {
				return crash(id, rec.Stage)
			}
			return nil
		}),
	})
	if err != nil {
		t.Fatal(err)
	}
	svc, err = escrows.New(escrows.Config{
		Store: rt.store, Runner: rt.coord, MaxInFlight: 16, Payer: payer, Faucet: rt.env.Faucet,
		Chain: rt.env.Daemon.Client(), FundingPoll: time.Second, PayoutRetry: retry, Logger: rt.logger,
	})
	if err != nil {
		t.Fatal(err)
	}
	return svc
}

// setup sets up n escrows through the service, two at a time (wallet
// creation is CPU-bound), each with the payees' own addresses.
func (rt *regtest) setup(t testing.TB, svc *escrows.Service, n int) []store.Escrow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Minute)
	defer cancel()
	out := make([]store.Escrow, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 2)
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			e, err := svc.Submit(ctx, escrows.Request{BuyerID: "b", VendorID: "v", Amount: 1_000_000_000_000 + uint64(i)*7_000_000_000,
				BuyerAddress: rt.payees[escrow.Buyer], VendorAddress: rt.payees[escrow.Vendor]})
			if err != nil {
				errs[i] = err
				return
			}
			if e, err = svc.Wait(ctx, e.ID); err == nil && e.Status != store.StatusReady {
				err = errors.New(e.Error)
			}
			out[i], errs[i] = e, err
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// pay has the faucet pay each escrow its amount and mines until spendable.
func (rt *regtest) pay(t testing.TB, es ...store.Escrow) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, e := range es {
		if _, err := rt.env.Faucet.Pay(ctx, e.MultisigAddress, e.Amount); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rt.env.Faucet.Mine(ctx, chain.SpendableAge); err != nil {
		t.Fatal(err)
	}
}

func waitFunded(t testing.TB, svc *escrows.Service, id string) store.Escrow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	e, err := svc.WaitFunded(ctx, id)
	if err != nil || e.Status != store.StatusFunded || e.UnlockedBalance < e.Amount {
		t.Fatalf("not funded: %+v, %v", e, err)
	}
	return e
}

func waitPaid(t testing.TB, svc *escrows.Service, id string) store.Escrow {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	e, err := svc.WaitPayout(ctx, id)
	if err != nil || !e.Status.Paid() || e.Payout == nil {
		t.Fatalf("not paid: %+v (last error %+v), %v", e, e.LastError, err)
	}
	return e
}

// received is what the payee's own wallet got from transaction txid.
func (rt *regtest) received(t *testing.T, role escrow.Role, txid string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	got, err := rt.own.Received(ctx, role, txid)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// checkPaid mines the payouts and checks each payee's own wallet received
// exactly its payout's amount, and amount + fee is the escrow's amount.
func (rt *regtest) checkPaid(t *testing.T, paid ...store.Escrow) {
	t.Helper()
	ctx := context.Background()
	if _, err := rt.env.Faucet.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	for _, e := range paid {
		p := e.Payout
		if p.FinishedAt != nil {
			t.Logf("escrow %s: %s paid %d (fee %d) to the %s, claim -> recorded paid in %v",
				e.ID, p.Phase, p.Amount, p.Fee, p.ToRole, p.FinishedAt.Sub(p.StartedAt).Round(time.Millisecond))
		}
		if p.Amount+p.Fee != e.Amount || p.Fee == 0 {
			t.Errorf("escrow %s: amount %d + fee %d != funded %d", e.ID, p.Amount, p.Fee, e.Amount)
		}
		if got := rt.received(t, p.ToRole, p.TxHash()); got != p.Amount {
			t.Errorf("escrow %s: %s's own wallet received %d, the payout says %d", e.ID, p.ToRole, got, p.Amount)
		}
	}
}

func poolSize(t *testing.T, rt *regtest) uint64 {
	t.Helper()
	info, err := rt.env.Daemon.Client().GetInfo(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return info.TxPoolSize
}

// TestLifecycleOnRegtest runs escrows through the service on a real regtest
// chain, real wallet servers and the real coordinator and payer (leased
// mode): fund through the faucet then release to the vendor's own wallet;
// funding noticed by the watcher after monerod was SIGKILLed and restarted;
// five escrows paid out at once (release, refund, resolve for each side);
// and a second Service on the same store that resumes payouts a first one
// left between sign and submit and right after submit, with exactly one
// transaction each.
func TestLifecycleOnRegtest(t *testing.T) {
	rt := startRegtest(t, 9)
	svc := rt.service(t, 2*time.Second, nil)
	t.Cleanup(func() { svc.Shutdown(context.Background()) }) //nolint:errcheck // payouts have ended
	escrowsUp := rt.setup(t, svc, 9)
	ctx := context.Background()

	t.Run("fund_then_release", func(t *testing.T) {
		e := escrowsUp[0]
		f, err := svc.Fund(ctx, e.ID)
		if err != nil {
			t.Fatal(err)
		}
		if f.Status == store.StatusReady { // the wallet had not caught up; the watcher will
			svc.Recover(ctx) //nolint:errcheck // starts the watcher
			f = waitFunded(t, svc, e.ID)
		}
		if f.Status != store.StatusFunded || f.UnlockedBalance != e.Amount || f.Balance != e.Amount {
			t.Fatalf("after Fund: %+v", f)
		}
		if _, err := svc.Fund(ctx, e.ID); !errors.Is(err, escrows.ErrNotReady) {
			t.Fatalf("second Fund = %v", err)
		}
		if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRelease, ""); err != nil {
			t.Fatal(err)
		}
		paid := waitPaid(t, svc, e.ID)
		if paid.Status != store.StatusReleased || paid.Payout.ToRole != escrow.Vendor || paid.Payout.Height == 0 {
			t.Fatalf("released: %+v %+v", paid, paid.Payout)
		}
		if st, ok := svc.PayoutTx(ctx, paid); !ok || st.State != chain.TxInPool {
			t.Fatalf("payout transaction %+v, %v; want in the pool", st, ok)
		}
		rt.checkPaid(t, paid)
		if st, ok := svc.PayoutTx(ctx, paid); !ok || st.State != chain.TxInChain || st.Confirmations != 1 {
			t.Fatalf("after a block: %+v, %v; want mined with 1 confirmation", st, ok)
		}
		if _, err := svc.Payout(ctx, e.ID, escrow.PhaseRefund, ""); !errors.Is(err, escrows.ErrPaying) {
			t.Fatalf("second payout = %v", err)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("funding_noticed_after_monerod_restart", func(t *testing.T) {
		e := escrowsUp[1]
		rt.pay(t, e)
		d := rt.env.Daemon
		restarts, pid := d.Restarts(), d.PID()
		if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		// The watcher starts while the daemon is down or restarting: its
		// checks fail until the daemon and the wallet servers are back.
		if err := svc.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		f := waitFunded(t, svc, e.ID)
		if d.Restarts() == restarts || d.PID() == pid {
			t.Fatalf("funded %+v but the daemon was not restarted", f)
		}
		// The faucet's wallet server reconnects on its own, a little later.
		deadline := time.Now().Add(3 * time.Minute)
		for {
			if _, err := rt.env.Faucet.Balance(ctx); err == nil {
				break
			} else if time.Now().After(deadline) {
				t.Fatalf("the faucet did not reconnect: %v", err)
			}
			time.Sleep(250 * time.Millisecond)
		}
	})
	if t.Failed() {
		return
	}

	t.Run("five_at_once", func(t *testing.T) {
		five := escrowsUp[2:7]
		rt.pay(t, five...)
		for _, e := range five {
			waitFunded(t, svc, e.ID)
		}
		asks := []struct {
			phase  escrow.Phase
			winner escrow.Role
			status store.Status
			payee  escrow.Role
		}{
			{escrow.PhaseRelease, "", store.StatusReleased, escrow.Vendor},
			{escrow.PhaseRefund, "", store.StatusRefunded, escrow.Buyer},
			{escrow.PhaseResolve, escrow.Buyer, store.StatusResolved, escrow.Buyer},
			{escrow.PhaseResolve, escrow.Vendor, store.StatusResolved, escrow.Vendor},
			{escrow.PhaseRelease, "", store.StatusReleased, escrow.Vendor},
		}
		before := poolSize(t, rt)
		var wg sync.WaitGroup
		errs := make([]error, len(five))
		for i, e := range five {
			wg.Add(1)
			go func() {
				defer wg.Done()
				_, errs[i] = svc.Payout(ctx, e.ID, asks[i].phase, asks[i].winner)
			}()
		}
		wg.Wait()
		if err := errors.Join(errs...); err != nil {
			t.Fatal(err)
		}
		paid := make([]store.Escrow, len(five))
		for i, e := range five {
			paid[i] = waitPaid(t, svc, e.ID)
			if paid[i].Status != asks[i].status || paid[i].Payout.ToRole != asks[i].payee {
				t.Errorf("escrow %d: %s to %s, want %s to %s", i, paid[i].Status, paid[i].Payout.ToRole, asks[i].status, asks[i].payee)
			}
		}
		first, last := paid[0].Payout.StartedAt, *paid[0].Payout.FinishedAt
		for _, e := range paid {
			if e.Payout.FinishedAt.After(last) {
				last = *e.Payout.FinishedAt
			}
			if e.Payout.StartedAt.Before(first) {
				first = e.Payout.StartedAt
			}
		}
		t.Logf("%d payouts at once: first claim -> last recorded paid in %v", len(paid), last.Sub(first).Round(time.Millisecond))
		if after := poolSize(t, rt); after != before+uint64(len(five)) {
			t.Errorf("pool %d -> %d: want one transaction per payout", before, after)
		}
		rt.checkPaid(t, paid...)
	})
	if t.Failed() {
		return
	}

	t.Run("restart_resumes_payouts", func(t *testing.T) {
		signed, submitted := escrowsUp[7], escrowsUp[8]
		rt.pay(t, signed, submitted)
		waitFunded(t, svc, signed.ID)
		waitFunded(t, svc, submitted.ID)
		// The first process stops right after keeping the signed record of
		// one payout (between sign_multisig and submit_multisig) and the
		// submitted record of the other (right after submit_multisig).
		errKilled := errors.New("killed")
		first := rt.service(t, time.Hour, func(id string, stage multisig.PayoutStage) error {
			if (id == signed.ID && stage == multisig.StageSigned) || (id == submitted.ID && stage == multisig.StageSubmitted) {
				return errKilled
			}
			return nil
		})
		if _, err := first.Payout(ctx, signed.ID, escrow.PhaseRelease, ""); err != nil {
			t.Fatal(err)
		}
		if _, err := first.Payout(ctx, submitted.ID, escrow.PhaseResolve, escrow.Buyer); err != nil {
			t.Fatal(err)
		}
		for _, id := range []string{signed.ID, submitted.ID} {
			deadline := time.Now().Add(20 * time.Minute)
			for {
				e, err := rt.store.Get(ctx, id)
				if err != nil {
					t.Fatal(err)
				}
				if e.LastError.Message != "" {
					break
				}
				if time.Now().After(deadline) || e.Status != store.StatusPayingOut {
					t.Fatalf("escrow %s: %+v, want paying_out with the stop noted", id, e)
				}
				time.Sleep(100 * time.Millisecond)
			}
		}
		sctx, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		first.Shutdown(sctx) //nolint:errcheck // cancels the two payouts waiting to be resumed
		cancel()
		recs := map[string]store.Record{}
		for _, id := range []string{signed.ID, submitted.ID} {
			e, _ := rt.store.Get(ctx, id)
			rec, err := rt.store.PayoutRecord(ctx, id)
			if err != nil || e.Status != store.StatusPayingOut || len(rec.TxHashes) == 0 {
				t.Fatalf("after the first process: %+v, record %s %v", e, rec.Stage, err)
			}
			recs[id] = rec
		}
		for id, wantKnown := range map[string]bool{signed.ID: false, submitted.ID: true} {
			st, err := rt.env.Daemon.Client().Transaction(ctx, recs[id].TxHashes[0])
			if err != nil || st.Known() != wantKnown {
				t.Fatalf("before the restart: %+v, %v; want known=%v", st, err, wantKnown)
			}
		}
		before := poolSize(t, rt)

		second := rt.service(t, 2*time.Second, nil)
		defer second.Shutdown(ctx) //nolint:errcheck // payouts have ended
		if err := second.Recover(ctx); err != nil {
			t.Fatal(err)
		}
		a, b := waitPaid(t, second, signed.ID), waitPaid(t, second, submitted.ID)
		if a.Status != store.StatusReleased || b.Status != store.StatusResolved {
			t.Fatalf("after the restart: %s, %s", a.Status, b.Status)
		}
		for _, e := range []store.Escrow{a, b} {
			if e.Payout.TxHash() != recs[e.ID].TxHashes[0] {
				t.Errorf("escrow %s paid with %s, its signed set was %s", e.ID, e.Payout.TxHash(), recs[e.ID].TxHashes[0])
			}
		}
		// One transaction was missing (sent now), the other was in the pool.
		if after := poolSize(t, rt); after != before+1 {
			t.Errorf("pool %d -> %d: want exactly the one unsent payout added", before, after)
		}
		rt.checkPaid(t, a, b)
	})
}
