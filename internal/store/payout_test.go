package store_test

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
)

var testWallets = map[escrow.Role]string{escrow.Buyer: "w_b", escrow.Vendor: "w_v", escrow.Arbiter: "w_a"}

// fundedEscrow stores an escrow that is set up, has its addresses and is funded.
func fundedEscrow(t *testing.T, s *store.Store, id string) store.Escrow {
	t.Helper()
	ctx := context.Background()
	if err := s.Create(ctx, newEscrow(id)); err != nil {
		t.Fatal(err)
	}
	if err := s.End(ctx, id, store.End{Status: store.StatusReady, Address: "4msig" + id, Wallets: testWallets}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.SetAddresses(ctx, id, "4buyer", "4vendor"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFunded(ctx, id, 5, 5); err != nil {
		t.Fatal(err)
	}
	e, err := s.Get(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func claim(phase escrow.Phase, winner escrow.Role) store.Claim {
	payee, _ := phase.Payee(winner)
	return store.Claim{Phase: phase, Winner: winner, ToRole: payee, PayeeAddress: "4" + string(payee)}
}

// TestPayoutLifecycle: ready with its wallets, funded with its balances,
// claimed, recorded at each stage, finished: the escrow ends released with
// its payout, and every later change is refused.
func TestPayoutLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	e := fundedEscrow(t, s, "p1")
	if e.Status != store.StatusFunded || e.Balance != 5 || e.UnlockedBalance != 5 || e.FundedAt == nil ||
		e.MultisigAddress != "4msigp1" || e.Payout != nil || !mapsEqual(e.Wallets, testWallets) {
		t.Fatalf("funded: %+v", e)
	}
	got, err := s.ClaimPayout(ctx, "p1", claim(escrow.PhaseRelease, ""))
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusPayingOut || got.Payout == nil || got.Payout.Phase != escrow.PhaseRelease ||
		got.Payout.ToRole != escrow.Vendor || got.Payout.Stage != store.StageClaimed || got.Payout.PayeeAddress != "4vendor" {
		t.Fatalf("claimed: %+v %+v", got, got.Payout)
	}
	hashes := []string{"aa", "bb"}
	for _, r := range []store.Record{
		{Stage: store.StageUnsigned, TxSet: "unsigned-set", Amount: 4, Fee: 1},
		{Stage: store.StageSigned, TxSet: "signed-set", TxHashes: hashes, Amount: 4, Fee: 1},
	} {
		if err := s.RecordPayout(ctx, "p1", r); err != nil {
			t.Fatal(err)
		}
		rec, err := s.PayoutRecord(ctx, "p1")
		if err != nil || rec.Stage != r.Stage || rec.TxSet != r.TxSet || !slices.Equal(rec.TxHashes, r.TxHashes) || rec.Amount != 4 || rec.Fee != 1 {
			t.Fatalf("record after %s: %+v, %v", r.Stage, rec, err)
		}
	}
	// Signed: it can neither go back to funded nor to an unsigned record.
	if _, err := s.FailPayout(ctx, "p1", store.PayoutFailure{Step: "submit", Message: "lost"}); !errors.Is(err, store.ErrSent) {
		t.Fatalf("fail a signed payout: %v, want ErrSent", err)
	}
	if err := s.RecordPayout(ctx, "p1", store.Record{Stage: store.StageUnsigned, TxSet: "other"}); !errors.Is(err, store.ErrState) {
		t.Fatalf("unsigned over signed: %v, want ErrState", err)
	}
	if err := s.NotePayoutError(ctx, "p1", store.PayoutFailure{Phase: escrow.PhaseRelease, Step: "submit", Message: "lost answer"}); err != nil {
		t.Fatal(err)
	}
	done, err := s.FinishPayout(ctx, "p1", store.Paid{TxHashes: hashes, Amount: 4, Fee: 1, Height: 77})
	if err != nil {
		t.Fatal(err)
	}
	p := done.Payout
	if done.Status != store.StatusReleased || p == nil || p.TxHash() != "aa" || p.Amount != 4 || p.Fee != 1 || p.Height != 77 ||
		p.Stage != store.StageSubmitted || p.FinishedAt == nil || done.LastError != (store.PayoutFailure{}) {
		t.Fatalf("finished: %+v %+v", done, p)
	}
	for name, err := range map[string]error{
		"claim again":  func() error { _, err := s.ClaimPayout(ctx, "p1", claim(escrow.PhaseRefund, "")); return err }(),
		"record again": s.RecordPayout(ctx, "p1", store.Record{Stage: store.StageSubmitted, TxHashes: []string{"cc"}}),
		"finish again": func() error { _, err := s.FinishPayout(ctx, "p1", store.Paid{TxHashes: []string{"cc"}}); return err }(),
		"fund again":   s.MarkFunded(ctx, "p1", 9, 9),
		"addresses":    func() error { _, err := s.SetAddresses(ctx, "p1", "4b2", ""); return err }(),
	} {
		if err == nil {
			t.Errorf("%s: accepted after the payout", name)
		}
	}
	if again, _ := s.Get(ctx, "p1"); again.Status != store.StatusReleased || again.Payout.TxHash() != "aa" || again.Payout.Phase != escrow.PhaseRelease {
		t.Fatalf("a refused change changed the escrow: %+v %+v", again, again.Payout)
	}
}

func mapsEqual(a, b map[escrow.Role]string) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestClaimPayoutOnce: many claims of one funded escrow at once: exactly
// one wins; the others are ErrPaying and change nothing.
func TestClaimPayoutOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	fundedEscrow(t, s, "c1")
	const n = 16
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			phase := []escrow.Phase{escrow.PhaseRelease, escrow.PhaseRefund}[i%2]
			_, errs[i] = s.ClaimPayout(ctx, "c1", claim(phase, ""))
		}()
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		case !errors.Is(err, store.ErrPaying):
			t.Errorf("claim: %v, want ErrPaying", err)
		}
	}
	if won != 1 {
		t.Fatalf("%d claims won, want 1", won)
	}
}

// TestFailPayoutBackToFunded: an attempt that failed before anything was
// signed leaves the escrow funded with its last error, and the payout can
// be asked again (with another phase too).
func TestFailPayoutBackToFunded(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	fundedEscrow(t, s, "f1")
	if _, err := s.ClaimPayout(ctx, "f1", claim(escrow.PhaseRelease, "")); err != nil {
		t.Fatal(err)
	}
	if err := s.RecordPayout(ctx, "f1", store.Record{Stage: store.StageUnsigned, TxSet: "u"}); err != nil {
		t.Fatal(err)
	}
	f := store.PayoutFailure{Phase: escrow.PhaseRelease, Step: "sign", Role: escrow.Vendor, Message: "stale data"}
	e, err := s.FailPayout(ctx, "f1", f)
	if err != nil {
		t.Fatal(err)
	}
	if e.Status != store.StatusFunded || e.LastError != f || e.Payout != nil || e.Balance != 5 {
		t.Fatalf("after a failed attempt: %+v", e)
	}
	if _, err := s.FailPayout(ctx, "f1", f); !errors.Is(err, store.ErrState) {
		t.Fatalf("fail a funded escrow: %v, want ErrState", err)
	}
	e, err = s.ClaimPayout(ctx, "f1", claim(escrow.PhaseResolve, escrow.Buyer))
	if err != nil {
		t.Fatal(err)
	}
	if e.Payout.Phase != escrow.PhaseResolve || e.Payout.Winner != escrow.Buyer || e.Payout.ToRole != escrow.Buyer || e.LastError != f {
		t.Fatalf("second claim: %+v %+v", e, e.Payout)
	}
	if rec, _ := s.PayoutRecord(ctx, "f1"); rec.TxSet != "" || rec.Stage != store.StageClaimed {
		t.Fatalf("the failed attempt's set survived: %+v", rec)
	}
	if done, err := s.FinishPayout(ctx, "f1", store.Paid{TxHashes: []string{"h"}, Amount: 4, Fee: 1}); err != nil || done.Status != store.StatusResolved {
		t.Fatalf("finish resolve: %+v, %v", done, err)
	}
}

// TestClaimRefusals: a payout of an escrow that is not funded is
// ErrNotFunded and changes nothing; an unknown escrow is ErrNotFound.
func TestClaimRefusals(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	if err := s.Create(ctx, newEscrow("r1")); err != nil {
		t.Fatal(err)
	}
	if err := s.End(ctx, "r1", store.End{Status: store.StatusReady, Address: "4m"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimPayout(ctx, "r1", claim(escrow.PhaseRelease, "")); !errors.Is(err, store.ErrNotFunded) {
		t.Fatalf("claim a ready escrow: %v, want ErrNotFunded", err)
	}
	if _, err := s.ClaimPayout(ctx, "nope", claim(escrow.PhaseRelease, "")); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("claim unknown: %v, want ErrNotFound", err)
	}
	if _, err := s.ClaimPayout(ctx, "r1", store.Claim{Phase: escrow.PhaseFund, ToRole: escrow.Buyer, PayeeAddress: "x"}); err == nil {
		t.Fatal("a fund phase was claimed as a payout")
	}
	if err := s.RecordPayout(ctx, "r1", store.Record{Stage: store.StageUnsigned}); !errors.Is(err, store.ErrState) {
		t.Fatalf("record without a claim: %v, want ErrState", err)
	}
	if e, _ := s.Get(ctx, "r1"); e.Status != store.StatusReady || e.Payout != nil {
		t.Fatalf("refusals changed the escrow: %+v", e)
	}
}

// TestSetAddressesOnce: each address is fixed once set; the same value
// again is no change, another is ErrAddressFixed and changes nothing.
func TestSetAddressesOnce(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	if err := s.Create(ctx, newEscrow("a1")); err != nil {
		t.Fatal(err)
	}
	steps := []struct {
		buyer, vendor string
		wantErr       error
		want          [2]string
	}{
		{"4b", "", nil, [2]string{"4b", ""}},
		{"4b", "4v", nil, [2]string{"4b", "4v"}},
		{"4other", "", store.ErrAddressFixed, [2]string{"4b", "4v"}},
		{"", "4other", store.ErrAddressFixed, [2]string{"4b", "4v"}},
		{"4b", "4v", nil, [2]string{"4b", "4v"}},
	}
	for i, st := range steps {
		_, err := s.SetAddresses(ctx, "a1", st.buyer, st.vendor)
		if !errors.Is(err, st.wantErr) || (st.wantErr == nil && err != nil) {
			t.Fatalf("step %d: %v, want %v", i, err, st.wantErr)
		}
		e, _ := s.Get(ctx, "a1")
		if [2]string{e.BuyerAddress, e.VendorAddress} != st.want {
			t.Fatalf("step %d: addresses %q %q, want %q", i, e.BuyerAddress, e.VendorAddress, st.want)
		}
	}
	if _, err := s.SetAddresses(ctx, "a1", "", ""); err == nil {
		t.Fatal("no address accepted")
	}
	if _, err := s.SetAddresses(ctx, "nope", "4b", ""); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown escrow: %v", err)
	}
}

// TestListEveryStatus: List filters on each status, and MarkInterrupted
// fails only the setups in flight, never a payout (it is resumed).
func TestListEveryStatus(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	mk := map[store.Status]func(id string){
		store.StatusPending: func(id string) {
			if err := s.Create(ctx, newEscrow(id)); err != nil {
				t.Fatal(err)
			}
		},
	}
	mk[store.StatusRunning] = func(id string) { mk[store.StatusPending](id); s.SetRunning(ctx, id) }
	mk[store.StatusReady] = func(id string) {
		mk[store.StatusPending](id)
		s.End(ctx, id, store.End{Status: store.StatusReady, Address: "4m"})
	}
	mk[store.StatusFailed] = func(id string) {
		mk[store.StatusPending](id)
		s.End(ctx, id, store.End{Status: store.StatusFailed, Error: "x"})
	}
	mk[store.StatusFunded] = func(id string) { fundedEscrow(t, s, id) }
	mk[store.StatusPayingOut] = func(id string) { fundedEscrow(t, s, id); s.ClaimPayout(ctx, id, claim(escrow.PhaseRelease, "")) }
	for _, c := range []struct {
		st     store.Status
		phase  escrow.Phase
		winner escrow.Role
	}{{store.StatusReleased, escrow.PhaseRelease, ""}, {store.StatusRefunded, escrow.PhaseRefund, ""}, {store.StatusResolved, escrow.PhaseResolve, escrow.Vendor}} {
		mk[c.st] = func(id string) {
			fundedEscrow(t, s, id)
			s.ClaimPayout(ctx, id, claim(c.phase, c.winner))
			s.FinishPayout(ctx, id, store.Paid{TxHashes: []string{"h"}, Amount: 1})
		}
	}
	for _, st := range store.Statuses {
		mk[st]("e_" + string(st))
	}
	for _, st := range store.Statuses {
		list, err := s.List(ctx, st, 100)
		if err != nil || len(list) != 1 || list[0].ID != "e_"+string(st) || list[0].Status != st {
			t.Errorf("List(%s) = %+v, %v", st, list, err)
		}
	}
	if n, err := s.MarkInterrupted(ctx); err != nil || n != 2 {
		t.Fatalf("MarkInterrupted = %d, %v; want the pending and the running", n, err)
	}
	inflight, err := s.PayingOut(ctx)
	if err != nil || len(inflight) != 1 || inflight[0].Escrow.ID != "e_paying_out" || inflight[0].Escrow.Status != store.StatusPayingOut {
		t.Fatalf("PayingOut after MarkInterrupted = %+v, %v", inflight, err)
	}
	waiting, err := s.Waiting(ctx)
	if err != nil || len(waiting) != 1 || waiting[0].ID != "e_ready" {
		t.Fatalf("Waiting = %+v, %v", waiting, err)
	}
}

// TestOpenUpgradesVersion2: a database of the second schema opens; its
// rows keep every column, the rebuilt table keeps its indexes and takes
// the lifecycle's statuses, and payouts can be claimed.
func TestOpenUpgradesVersion2(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "escrowd.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for _, q := range []string{
		// The schema of escrowd's second database, as migrations 1 and 2 wrote it.
		`CREATE TABLE escrows (
			id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, buyer_id TEXT NOT NULL, vendor_id TEXT NOT NULL,
			amount TEXT NOT NULL,
			status TEXT NOT NULL CHECK (status IN ('pending','running','ready','failed')),
			multisig_address TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',
			created_at INTEGER NOT NULL, finished_at INTEGER)`,
		`CREATE INDEX escrows_status_created ON escrows (status, created_at)`,
		`CREATE INDEX escrows_created ON escrows (created_at)`,
		`ALTER TABLE escrows ADD COLUMN fail_phase TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE escrows ADD COLUMN fail_role TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE escrows ADD COLUMN fail_round INTEGER NOT NULL DEFAULT 0`,
		`ALTER TABLE escrows ADD COLUMN fail_operation TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE escrows ADD COLUMN fail_kind TEXT NOT NULL DEFAULT ''`,
		`ALTER TABLE escrows ADD COLUMN cause TEXT NOT NULL DEFAULT ''`,
		`PRAGMA user_version = 2`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO escrows (id, trace_id, buyer_id, vendor_id, amount, status, multisig_address,
		error, created_at, finished_at, fail_phase, fail_role, fail_round, fail_operation, fail_kind, cause)
		VALUES ('bad', 't', 'b', 'v', '18446744073709551615', 'failed', '', 'boom', ?, ?, 'setup', 'vendor', 1, 'make_multisig', 'already_multisig', 'c'),
		       ('ok', 't2', 'b', 'v', '8', 'ready', '4addr', '', ?, ?, '', '', 0, '', '', '')`,
		created, created, created+1, created+1); err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	bad, err := s.Get(ctx, "bad")
	want := store.Failure{Phase: escrow.PhaseSetup, Role: escrow.Vendor, Round: escrow.Round1, Operation: "make_multisig", Kind: escrow.KindAlreadyMultisig}
	if err != nil || bad.Status != store.StatusFailed || bad.Amount != 18446744073709551615 || bad.Failure != want || bad.Cause != "c" ||
		bad.Error != "boom" || bad.FinishedAt == nil || !bad.CreatedAt.Equal(time.Unix(0, created)) {
		t.Fatalf("old failed row: %+v, %v", bad, err)
	}
	ok, err := s.Get(ctx, "ok")
	if err != nil || ok.Status != store.StatusReady || ok.MultisigAddress != "4addr" || ok.Wallets != nil || ok.BuyerAddress != "" {
		t.Fatalf("old ready row: %+v, %v", ok, err)
	}
	// The old ready escrow can now be funded and paid.
	if _, err := s.SetAddresses(ctx, "ok", "4b", "4v"); err != nil {
		t.Fatal(err)
	}
	if err := s.MarkFunded(ctx, "ok", 8, 8); err != nil {
		t.Fatal(err)
	}
	if _, err := s.ClaimPayout(ctx, "ok", claim(escrow.PhaseRefund, "")); err != nil {
		t.Fatal(err)
	}
	var indexes []string
	rows, err := sqlDB(t, path).QueryContext(ctx, `SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = 'escrows' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		rows.Scan(&n)
		indexes = append(indexes, n)
	}
	if !slices.Equal(indexes, []string{"escrows_created", "escrows_status_created"}) {
		t.Fatalf("indexes after the rebuild: %v", indexes)
	}
}

func sqlDB(t *testing.T, path string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+path+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
