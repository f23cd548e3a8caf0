package multisig_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/escrowd/escrowd/internal/chaintest"
	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

var payoutSecret = []byte("escrowd-payout-test-master-secret-32b")

// regtest is a chain with wallet servers connected to it, an escrow
// coordinator on them, and the payees' own wallets on the spare server.
type regtest struct {
	env    *chaintest.Env
	pool   *walletpool.Pool
	coord  *multisig.Coordinator
	payees map[escrow.Role]string // role -> the payee's own wallet address

	own *chaintest.Payees // the payees' own wallets on the spare server
}

// startRegtest starts the chain and servers for one test function (whose
// subtests share it) and stops them when it ends.
func startRegtest(t testing.TB, servers int) *regtest {
	t.Helper()
	chaintest.Skip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	dir, err := os.MkdirTemp("", "payout-test-")
	if err != nil {
		t.Fatal(err)
	}
	// The servers' background refresh off from their start (a naive payout
	// also turns it off for its lease, and on again after it): the naive
	// payouts here fail by their own missing refresh,
	// not by luck, and the default payouts show they refresh wherever they
	// need to (no server refreshes a wallet behind their back).
	env, err := chaintest.StartWith(ctx, dir, chaintest.Options{Servers: servers, BackgroundRefreshOff: true})
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
	// Generous call timeouts: the machine may be loaded many times over, and
	// create_wallet is CPU-bound.
	coord, err := multisig.New(multisig.Config{Pool: pool, Secret: payoutSecret, CallTimeout: 10 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	rt := &regtest{env: env, pool: pool, coord: coord}
	payees, err := chaintest.NewPayees(ctx, env.Spare)
	if err != nil {
		t.Fatal(err)
	}
	rt.own, rt.payees = payees, payees.Addresses
	return rt
}

func (rt *regtest) payer(t testing.TB, naive bool, j multisig.Journal, obs multisig.Observer) *multisig.Payer {
	t.Helper()
	p, err := multisig.NewPayer(multisig.PayoutConfig{
		Pool: rt.pool, Secret: payoutSecret, Chain: rt.env.Daemon.Client(), Naive: naive, Journal: j, Observer: obs,
		Middleware: slowCalls(t), CallTimeout: 10 * time.Minute,
	})
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// funded is an escrow set up by the coordinator and paid by the faucet.
type funded struct {
	id      string
	amount  uint64
	wallets map[escrow.Role]string
	address string
}

// setupEscrows sets up n escrows at once with the coordinator.
func (rt *regtest) setupEscrows(t testing.TB, n int) []funded {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Minute)
	defer cancel()
	out := make([]funded, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	// Two setups at a time: wallet creation is CPU-bound, and on a loaded
	// machine more at once only makes each slower (the wallet client's own
	// timeout is 2 minutes per call).
	sem := make(chan struct{}, 2)
	for i := range out {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			e := multisig.Escrow{ID: uuid.NewString(), BuyerID: "b", VendorID: "v", Amount: 1_000_000_000_000 + uint64(i)*7_000_000_000}
			res, err := rt.coord.Run(ctx, e)
			if err != nil {
				errs[i] = err
				return
			}
			w := map[escrow.Role]string{}
			for r, name := range res.Wallets {
				w[escrow.Role(r)] = name
			}
			out[i] = funded{id: e.ID, amount: e.Amount, wallets: w, address: res.Address}
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		t.Fatal(err)
	}
	return out
}

// fund has the faucet pay each escrow its amount and mines until the
// payments are spendable.
func (rt *regtest) fund(t testing.TB, escrows ...funded) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	for _, f := range escrows {
		if _, err := rt.env.Faucet.Pay(ctx, f.address, f.amount); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := rt.env.Faucet.Mine(ctx, chain.SpendableAge); err != nil {
		t.Fatal(err)
	}
}

// fundEscrows sets up n escrows and funds them.
func (rt *regtest) fundEscrows(t testing.TB, n int) []funded {
	t.Helper()
	out := rt.setupEscrows(t, n)
	rt.fund(t, out...)
	return out
}

// received is what the payee's own wallet got from transaction txid, once
// mined.
func (rt *regtest) received(t testing.TB, role escrow.Role, txid string) uint64 {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	got, err := rt.own.Received(ctx, role, txid)
	if err != nil {
		t.Fatal(err)
	}
	return got
}

// snapshots records the payout points each role passed, with its balances,
// and the phases and steps the Observer was told about.
type snapshots struct {
	mu     sync.Mutex
	seen   map[escrow.Role][]escrow.Point
	snap   map[escrow.Point]map[escrow.Role]multisig.Snapshot
	phases []string // "start fund", "step refresh", "end fund <err>", ...
}

func newSnapshots() *snapshots {
	return &snapshots{seen: map[escrow.Role][]escrow.Point{}, snap: map[escrow.Point]map[escrow.Role]multisig.Snapshot{}}
}

func (s *snapshots) note(line string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.phases = append(s.phases, line)
}

func (s *snapshots) StartEscrow(ctx context.Context, e multisig.Escrow, m multisig.Mode) context.Context {
	s.note("start " + string(e.Phase) + " " + string(m))
	return ctx
}

func (s *snapshots) StartPhase(ctx context.Context, p multisig.Phase) context.Context {
	s.note("step " + string(p))
	return ctx
}

func (s *snapshots) EndPhase(context.Context, error) {}

func (s *snapshots) EndEscrow(_ context.Context, res multisig.Result, err error) {
	s.note(fmt.Sprintf("end %d wallets %v", len(res.Wallets), err))
}

func (s *snapshots) Snapshot(ctx context.Context, p escrow.Point, r escrow.Role, src multisig.SnapshotSource) {
	snap := src.ReadSnapshot(ctx)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.seen[r] = append(s.seen[r], p)
	if s.snap[p] == nil {
		s.snap[p] = map[escrow.Role]multisig.Snapshot{}
	}
	s.snap[p][r] = snap
}

// memJournal keeps the latest record per escrow; failAt makes Record fail
// after keeping the record, as a crash right after the store's write would.
type memJournal struct {
	mu      sync.Mutex
	records []multisig.PayoutRecord
	failAt  multisig.PayoutStage
}

var errCrash = errors.New("simulated crash after the write")

func (j *memJournal) Record(_ context.Context, _ string, rec multisig.PayoutRecord) error {
	j.mu.Lock()
	defer j.mu.Unlock()
	j.records = append(j.records, rec)
	if rec.Stage == j.failAt {
		return errCrash
	}
	return nil
}

func (j *memJournal) last() multisig.PayoutRecord {
	j.mu.Lock()
	defer j.mu.Unlock()
	return j.records[len(j.records)-1]
}

func (j *memJournal) stages() []multisig.PayoutStage {
	j.mu.Lock()
	defer j.mu.Unlock()
	var out []multisig.PayoutStage
	for _, r := range j.records {
		out = append(out, r.Stage)
	}
	return out
}

// TestPayoutOnRegtest sets up real escrows with the coordinator, funds them
// from the faucet and pays them out on a real regtest chain: release, refund
// and resolve pay the payee's own wallet the funded amount minus the fee;
// the naive mode fails as issue 16 describes and the escrow can still be
// paid; a payout interrupted after each write-ahead record (unsigned,
// signed, submitted but not recorded) resumes without paying twice.
func TestPayoutOnRegtest(t *testing.T) {
	rt := startRegtest(t, 9)
	escrows := rt.setupEscrows(t, 7)
	// The naive payout's first attempt runs before its escrow is funded, as
	// a payout asked too early would: it fails, and its exports are what
	// the naive mode reuses on the next attempt.
	naive := rt.payer(t, true, nil, nil)
	naiveReq := multisig.PayoutRequest{EscrowID: escrows[3].id, Phase: escrow.PhaseRelease, PayeeAddress: rt.payees[escrow.Vendor], Wallets: escrows[3].wallets}
	if _, err := naive.Pay(context.Background(), naiveReq); err == nil {
		t.Fatal("naive payout of an unfunded escrow succeeded")
	} else {
		t.Logf("naive payout before funding: %v", err)
	}
	rt.fund(t, escrows...)

	t.Run("funded", func(t *testing.T) {
		ctx := context.Background()
		obs := newSnapshots()
		p := rt.payer(t, false, nil, obs)
		f := escrows[0]
		got, err := p.Funded(ctx, f.id, f.wallets, f.amount)
		if err != nil || !got.Funded || got.UnlockedBalance != f.amount || got.Balance != f.amount {
			t.Fatalf("Funded = %+v, %v; want %d unlocked", got, err, f.amount)
		}
		// The check that finds it funded is the fund phase: one snapshot
		// per role, each wallet refreshed, with the chain's fields.
		if want := []string{"start fund leased", "end 3 wallets <nil>"}; !slices.Equal(obs.phases, want) {
			t.Errorf("observer told %q, want %q", obs.phases, want)
		}
		for _, r := range escrow.Roles {
			s := obs.snap[escrow.PointFunded][r]
			if !slices.Equal(obs.seen[r], []escrow.Point{escrow.PointFunded}) || s.Err != nil || !s.Chain ||
				s.UnlockedBalance != f.amount || s.Balance != f.amount || s.Height == 0 || s.WalletID != f.wallets[r] {
				t.Errorf("%s funded snapshot: %v %+v", r, obs.seen[r], s)
			}
			t.Logf("%s at SNAPSHOT_FUNDED: balance %d, multisig_import_needed %t, height %d", r, s.Balance, s.MultisigImportNeeded, s.Height)
		}
		// A check that finds it not funded is no phase.
		quiet := newSnapshots()
		more, err := rt.payer(t, false, nil, quiet).Funded(ctx, f.id, f.wallets, f.amount+1)
		if err != nil || more.Funded {
			t.Errorf("Funded for more than the balance = %+v, %v", more, err)
		}
		if len(quiet.phases) != 0 || len(quiet.seen) != 0 {
			t.Errorf("a check that found no funds told the observer %q %v", quiet.phases, quiet.seen)
		}
	})

	type payout struct {
		name   string
		f      funded
		phase  escrow.Phase
		winner escrow.Role
	}
	payouts := []payout{
		{"release", escrows[0], escrow.PhaseRelease, ""},
		{"refund", escrows[1], escrow.PhaseRefund, ""},
		{"resolve_for_buyer", escrows[2], escrow.PhaseResolve, escrow.Buyer},
	}
	var mu sync.Mutex
	paid := map[string]multisig.PayoutResult{} // escrow id -> result
	t.Run("pay", func(t *testing.T) {
		for _, tt := range payouts {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				obs := newSnapshots()
				j := &memJournal{}
				payee, _ := tt.phase.Payee(tt.winner)
				signers, _ := tt.phase.Signers(tt.winner)
				res, err := rt.payer(t, false, j, obs).Pay(ctx, multisig.PayoutRequest{
					EscrowID: tt.f.id, Phase: tt.phase, Winner: tt.winner, PayeeAddress: rt.payees[payee], Wallets: tt.f.wallets,
				})
				if err != nil {
					t.Fatal(err)
				}
				if res.SyncErr != nil {
					t.Errorf("post-spend sync: %v", res.SyncErr)
				}
				if res.Payee != payee || res.TxHash == "" || res.Fee == 0 || res.Amount+res.Fee != tt.f.amount || res.Height == 0 {
					t.Errorf("result %+v: want payee %s, amount + fee = %d", res, payee, tt.f.amount)
				}
				if got := j.stages(); !slices.Equal(got, []multisig.PayoutStage{multisig.StageUnsigned, multisig.StageSigned, multisig.StageSubmitted}) {
					t.Errorf("journal stages %v", got)
				}
				st, err := rt.env.Daemon.Client().Transaction(ctx, res.TxHash)
				if err != nil || st.State != chain.TxInPool {
					t.Errorf("payout tx %+v, %v; want in the pool", st, err)
				}
				wantPoints := map[escrow.Role][]escrow.Point{
					signers[0]: {escrow.PointPreSync, escrow.PointPostSync, escrow.PointPostSign, escrow.PointPayoutFinal},
					signers[1]: {escrow.PointPreSync, escrow.PointPostSync, escrow.PointPostSign, escrow.PointPayoutFinal},
				}
				for _, r := range escrow.Roles {
					if r != signers[0] && r != signers[1] {
						wantPoints[r] = []escrow.Point{escrow.PointPayoutFinal}
					}
					if !slices.Equal(obs.seen[r], wantPoints[r]) {
						t.Errorf("%s passed %v, want %v", r, obs.seen[r], wantPoints[r])
					}
				}
				// The payout is a phase, its steps are stages.
				wantPhases := []string{"start " + string(tt.phase) + " leased"}
				for _, st := range escrow.PayoutSteps(tt.phase) {
					wantPhases = append(wantPhases, "step "+st.Name)
				}
				wantPhases = append(wantPhases, "end 3 wallets <nil>")
				if !slices.Equal(obs.phases, wantPhases) {
					t.Errorf("observer told %q, want %q", obs.phases, wantPhases)
				}
				for _, r := range signers {
					if s := obs.snap[escrow.PointPostSync][r]; s.UnlockedBalance != tt.f.amount || s.Err != nil || !s.Chain || s.MultisigImportNeeded || s.Height == 0 {
						t.Errorf("%s after import: %+v, want %d unlocked", r, s, tt.f.amount)
					}
				}
				mu.Lock()
				paid[tt.f.id] = res
				mu.Unlock()
			})
		}
	})
	if t.Failed() {
		return
	}

	t.Run("naive_fails_then_default_pays", func(t *testing.T) {
		ctx := context.Background()
		f := escrows[3]
		req := naiveReq
		for attempt := 1; attempt <= 2; attempt++ {
			_, err := naive.Pay(ctx, req)
			t.Logf("naive attempt %d after funding: %v", attempt, err)
			// The wallet's own refusals: sweep_all sees balance 0 (the
			// import before refresh), or sign_multisig finds the reused
			// export stale (-35).
			if !errors.Is(err, walletrpc.ErrStaleData) && !errors.Is(err, walletrpc.ErrNotEnoughMoney) && !errors.Is(err, walletrpc.ErrImportNeeded) {
				t.Fatalf("naive attempt %d = %v, want the wallet's stale data or no unlocked balance", attempt, err)
			}
		}
		if st, _ := rt.env.Daemon.Client().GetInfo(ctx); st.TxPoolSize != uint64(len(paid)) {
			t.Errorf("pool holds %d transactions after the naive attempts, want %d", st.TxPoolSize, len(paid))
		}
		// The escrow can be asked again; this time the default payout is
		// interrupted after building its transaction set, and Resume from
		// that unsigned record starts again from fresh multisig info.
		j := &memJournal{failAt: multisig.StageUnsigned}
		if _, err := rt.payer(t, false, j, nil).Pay(ctx, req); !errors.Is(err, errCrash) {
			t.Fatalf("default payout after the naive ones = %v, want the simulated crash", err)
		}
		res, err := rt.payer(t, false, nil, nil).Resume(ctx, req, j.last())
		if err != nil || res.Amount+res.Fee != f.amount || res.Resumed {
			t.Fatalf("resume from the unsigned set = %+v, %v", res, err)
		}
		mu.Lock()
		paid[f.id] = res
		mu.Unlock()
	})

	// "Stale data" (-35) on demand: a transaction set built on the
	// co-signer's export, signed after the co-signer exported again (a
	// newer attempt) is refused by the wallet; the newer set signs.
	t.Run("stale_data_on_demand", func(t *testing.T) {
		ctx := context.Background()
		f := escrows[6]
		req := multisig.PayoutRequest{EscrowID: f.id, Phase: escrow.PhaseRelease, PayeeAddress: rt.payees[escrow.Vendor], Wallets: f.wallets}
		var sets []string
		for range 2 {
			j := &memJournal{failAt: multisig.StageUnsigned}
			if _, err := rt.payer(t, false, j, nil).Pay(ctx, req); !errors.Is(err, errCrash) {
				t.Fatalf("interrupted payout = %v", err)
			}
			sets = append(sets, j.last().TxSet)
		}
		_, err := signAs(t, rt, f.wallets[escrow.Vendor], sets[0])
		if !errors.Is(err, walletrpc.ErrStaleData) || multisig.KindOf(err) != escrow.KindStaleData {
			t.Fatalf("signing the set built on the older export = %v (kind %s), want stale data", err, multisig.KindOf(err))
		}
		t.Logf("the set built on the older export: %v", err)
		if _, err := signAs(t, rt, f.wallets[escrow.Vendor], sets[1]); err != nil {
			t.Fatalf("signing the set built on the latest export = %v", err)
		}
		res, err := rt.payer(t, false, nil, nil).Pay(ctx, req)
		if err != nil {
			t.Fatal(err)
		}
		mu.Lock()
		paid[f.id] = res
		mu.Unlock()
	})

	t.Run("resume", func(t *testing.T) {
		tests := []struct {
			name string
			f    funded
			// crash: the journal keeps this stage's record and the payout
			// stops there; resumeFrom is the record Resume gets.
			crash      multisig.PayoutStage
			resumeFrom multisig.PayoutStage
			// inPoolBefore: the payout's transaction reached the daemon before the crash.
			inPoolBefore bool
		}{
			{"signed_is_submitted", escrows[4], multisig.StageSigned, multisig.StageSigned, false},
			{"submitted_not_recorded_is_found", escrows[5], multisig.StageSubmitted, multisig.StageSigned, true},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				t.Parallel()
				ctx := context.Background()
				j := &memJournal{failAt: tt.crash}
				req := multisig.PayoutRequest{EscrowID: tt.f.id, Phase: escrow.PhaseRefund, PayeeAddress: rt.payees[escrow.Buyer], Wallets: tt.f.wallets}
				_, err := rt.payer(t, false, j, nil).Pay(ctx, req)
				if !errors.Is(err, errCrash) {
					t.Fatalf("Pay = %v, want the simulated crash", err)
				}
				var rec multisig.PayoutRecord
				for _, r := range j.records {
					if r.Stage == tt.resumeFrom {
						rec = r
					}
				}
				if len(rec.TxHashes) > 0 {
					st, err := rt.env.Daemon.Client().Transaction(ctx, rec.TxHashes[0])
					if err != nil || st.Known() != tt.inPoolBefore {
						t.Fatalf("before resume: %+v, %v; want known=%v", st, err, tt.inPoolBefore)
					}
				}
				j2 := &memJournal{}
				res, err := rt.payer(t, false, j2, nil).Resume(ctx, req, rec)
				if err != nil {
					t.Fatal(err)
				}
				if res.Amount+res.Fee != tt.f.amount || res.TxHash == "" {
					t.Errorf("resumed %+v, want amount + fee = %d", res, tt.f.amount)
				}
				if len(rec.TxHashes) > 0 && res.TxHash != rec.TxHashes[0] {
					t.Errorf("resumed with transaction %s, the journal had %s", res.TxHash, rec.TxHashes[0])
				}
				if got := j2.stages(); len(got) == 0 || got[len(got)-1] != multisig.StageSubmitted {
					t.Errorf("resume journal %v, want it to end submitted", got)
				}
				if tt.crash == multisig.StageSigned {
					// Submitting the same signed set again pays nothing twice:
					// refused, or the same transaction, and the pool is unchanged.
					before, _ := rt.env.Daemon.Client().GetInfo(ctx)
					hashes, err := resubmit(t, rt, tt.f.wallets[escrow.Buyer], rec.TxSet)
					t.Logf("second submit_multisig of the set: %v, %v", hashes, err)
					if err == nil && !slices.Equal(hashes, rec.TxHashes) {
						t.Errorf("second submit_multisig sent %v, the set is %v", hashes, rec.TxHashes)
					}
					if err != nil && !errors.Is(err, walletrpc.ErrWallet) {
						t.Errorf("second submit_multisig = %v, want the wallet's answer", err)
					}
					if after, _ := rt.env.Daemon.Client().GetInfo(ctx); after.TxPoolSize != before.TxPoolSize {
						t.Errorf("pool %d -> %d transactions after the second submit", before.TxPoolSize, after.TxPoolSize)
					}
				}
				// A second Resume from the final record sends nothing.
				again, err := rt.payer(t, false, nil, nil).Resume(ctx, req, j2.last())
				if err != nil || again.TxHash != res.TxHash || !again.Resumed {
					t.Errorf("Resume of a submitted payout = %+v, %v", again, err)
				}
				mu.Lock()
				paid[tt.f.id] = res
				mu.Unlock()
			})
		}
	})
	if t.Failed() {
		return
	}

	// Mine, then every payee's own wallet holds exactly what its payout
	// said, and the chain has exactly one payout transaction per escrow.
	ctx := context.Background()
	if _, err := rt.env.Faucet.Mine(ctx, 1); err != nil {
		t.Fatal(err)
	}
	info, err := rt.env.Daemon.Client().GetInfo(ctx)
	if err != nil || info.TxPoolSize != 0 {
		t.Errorf("pool after mining: %d, %v", info.TxPoolSize, err)
	}
	for _, f := range escrows {
		res, ok := paid[f.id]
		if !ok {
			t.Errorf("escrow %s not paid", f.id)
			continue
		}
		if got := rt.received(t, res.Payee, res.TxHash); got != res.Amount {
			t.Errorf("escrow %s: %s's own wallet received %d, the payout says %d", f.id, res.Payee, got, res.Amount)
		}
	}
	// The escrow wallets are empty: a second payout finds nothing to pay.
	f := escrows[0]
	_, err = rt.payer(t, false, nil, nil).Pay(ctx, multisig.PayoutRequest{EscrowID: f.id, Phase: escrow.PhaseRelease, PayeeAddress: rt.payees[escrow.Vendor], Wallets: f.wallets})
	if !errors.Is(err, multisig.ErrNotFunded) {
		t.Errorf("second payout of a paid escrow = %v, want ErrNotFunded", err)
	}
}

// slowCalls logs the wallet calls that took long: on a loaded machine they
// say where a slow test spent its time.
func slowCalls(t testing.TB) walletrpc.Middleware {
	return func(next walletrpc.Invoker) walletrpc.Invoker {
		return func(ctx context.Context, call *walletrpc.Call) error {
			start := time.Now()
			err := next(ctx, call)
			if d := time.Since(start); d > 5*time.Second {
				st, _ := multisig.StepFrom(ctx)
				t.Logf("slow wallet call: %s %s on %s took %v", st.Role, call.Method, call.Endpoint, d.Round(time.Millisecond))
			}
			return err
		}
	}
}

// resubmit opens wallet (a signer's) on a leased server and submits txset.
func resubmit(t *testing.T, rt *regtest, wallet, txset string) ([]string, error) {
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
	return c.SubmitMultisig(ctx, txset)
}
