package store_test

import (
	"context"
	"database/sql"
	"path/filepath"
	"testing"
	"time"

	_ "modernc.org/sqlite"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// TestEndKeepsFailure: where an escrow failed, its kind and its root cause
// are columns that Get and List give back, and a later End changes nothing.
func TestEndKeepsFailure(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	for _, id := range []string{"f", "r"} {
		if err := s.Create(ctx, newEscrow(id)); err != nil {
			t.Fatal(err)
		}
	}
	want := store.Failure{Phase: escrow.PhaseSetup, Role: escrow.Vendor, Round: escrow.Round1,
		Operation: "make_multisig", Kind: escrow.KindAlreadyMultisig}
	end := store.End{Status: store.StatusFailed, Error: "escrow f: vendor: round 1: make_multisig: ...",
		Failure: want, Cause: "already_multisig_before_round1"}
	if err := s.End(ctx, "f", end); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "r", store.StatusReady, "4addr", ""); err != nil {
		t.Fatal(err)
	}
	got, err := s.Get(ctx, "f")
	if err != nil {
		t.Fatal(err)
	}
	if got.Failure != want || got.Cause != end.Cause || got.Error != end.Error || got.Status != store.StatusFailed {
		t.Fatalf("got %+v", got)
	}
	list, err := s.List(ctx, store.StatusFailed, 10)
	if err != nil || len(list) != 1 || list[0].Failure != want || list[0].Cause != end.Cause {
		t.Fatalf("list %+v, %v", list, err)
	}
	if ready, _ := s.Get(ctx, "r"); ready.Failure != (store.Failure{}) || ready.Cause != "" {
		t.Fatalf("a ready escrow has a failure: %+v", ready)
	}
	if err := s.End(ctx, "f", store.End{Status: store.StatusFailed, Cause: "other"}); err == nil {
		t.Fatal("a second end was recorded")
	}
	if again, _ := s.Get(ctx, "f"); again.Cause != end.Cause || again.Failure != want {
		t.Fatalf("a refused end changed the escrow: %+v", again)
	}
}

// TestOpenUpgradesVersion1: a database of the first schema (no failure
// columns) opens, its rows read with an unknown failure, and new ends are
// recorded whole.
func TestOpenUpgradesVersion1(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "escrowd.db")
	db, err := sql.Open("sqlite", "file:"+path)
	if err != nil {
		t.Fatal(err)
	}
	created := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).UnixNano()
	for _, q := range []string{
		// The schema of escrowd's first database, as migration 1 wrote it.
		`CREATE TABLE escrows (
			id TEXT PRIMARY KEY, trace_id TEXT NOT NULL, buyer_id TEXT NOT NULL, vendor_id TEXT NOT NULL,
			amount TEXT NOT NULL,
			status TEXT NOT NULL CHECK (status IN ('pending','running','ready','failed')),
			multisig_address TEXT NOT NULL DEFAULT '', error TEXT NOT NULL DEFAULT '',
			created_at INTEGER NOT NULL, finished_at INTEGER)`,
		`CREATE INDEX escrows_status_created ON escrows (status, created_at)`,
		`CREATE INDEX escrows_created ON escrows (created_at)`,
		`PRAGMA user_version = 1`,
	} {
		if _, err := db.ExecContext(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.ExecContext(ctx, `INSERT INTO escrows (id, trace_id, buyer_id, vendor_id, amount, status, error, created_at, finished_at)
		VALUES ('old', 't', 'b', 'v', '7', 'failed', 'boom', ?, ?), ('run', 't2', 'b', 'v', '8', 'running', '', ?, NULL)`,
		created, created, created); err != nil {
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
	old, err := s.Get(ctx, "old")
	if err != nil || old.Error != "boom" || old.Amount != 7 || old.Failure != (store.Failure{}) || old.Cause != "" {
		t.Fatalf("old row: %+v, %v", old, err)
	}
	f := store.Failure{Phase: escrow.PhaseSetup, Operation: "lease", Kind: escrow.KindNoServer}
	if err := s.End(ctx, "run", store.End{Status: store.StatusFailed, Error: "no server", Failure: f}); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.Get(ctx, "run"); got.Failure != f {
		t.Fatalf("upgraded database: failure %+v, want %+v", got.Failure, f)
	}
}
