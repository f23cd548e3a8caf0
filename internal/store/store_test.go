package store_test

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/store"
)

func openTemp(t *testing.T) (*store.Store, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "sub", "escrowd.db")
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.Close() })
	return s, path
}

func newEscrow(id string) store.Escrow {
	return store.Escrow{ID: id, TraceID: "tr-" + id, BuyerID: "b", VendorID: "v", Amount: 1}
}

func TestOpenFileModes(t *testing.T) {
	_, path := openTemp(t)
	for _, c := range []struct {
		path string
		want os.FileMode
	}{
		{filepath.Dir(path), 0o700},
		{path, 0o600},
		{path + "-wal", 0o600},
	} {
		fi, err := os.Stat(c.path)
		if err != nil {
			t.Fatal(err)
		}
		if got := fi.Mode().Perm(); got != c.want {
			t.Errorf("%s: mode %o, want %o", c.path, got, c.want)
		}
	}
}

func TestOpenTightensExistingFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "escrowd.db")
	if err := os.WriteFile(path, nil, 0o644); err != nil {
		t.Fatal(err)
	}
	s, err := store.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("mode %o, want 600", fi.Mode().Perm())
	}
}

func TestLifecycle(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	e := store.Escrow{ID: "e1", TraceID: "t1", BuyerID: "buyer-1", VendorID: "vendor_2", Amount: math.MaxUint64,
		CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 6, time.UTC)}
	if err := s.Create(ctx, e); err != nil {
		t.Fatal(err)
	}
	if err := s.Create(ctx, e); !errors.Is(err, store.ErrExists) {
		t.Fatalf("second create: %v, want ErrExists", err)
	}
	got, err := s.Get(ctx, "e1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusPending || got.Amount != math.MaxUint64 || !got.CreatedAt.Equal(e.CreatedAt) ||
		got.BuyerID != "buyer-1" || got.VendorID != "vendor_2" || got.TraceID != "t1" || got.FinishedAt != nil {
		t.Fatalf("after create: %+v", got)
	}
	if err := s.SetRunning(ctx, "e1"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "e1", store.StatusReady, "addr", ""); err != nil {
		t.Fatal(err)
	}
	got, err = s.Get(ctx, "e1")
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusReady || got.MultisigAddress != "addr" || got.FinishedAt == nil {
		t.Fatalf("after finish: %+v", got)
	}
	if err := s.Finish(ctx, "e1", store.StatusFailed, "", "late"); !errors.Is(err, store.ErrFinal) {
		t.Fatalf("finish twice: %v, want ErrFinal", err)
	}
	if err := s.SetRunning(ctx, "e1"); !errors.Is(err, store.ErrFinal) {
		t.Fatalf("running after ready: %v, want ErrFinal", err)
	}
	if err := s.Finish(ctx, "nope", store.StatusFailed, "", "x"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("finish unknown: %v, want ErrNotFound", err)
	}
	if _, err := s.Get(ctx, "nope"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("get unknown: %v, want ErrNotFound", err)
	}
	if err := s.Finish(ctx, "e1", store.StatusRunning, "", ""); err == nil {
		t.Fatal("finish with a non-final status succeeded")
	}
}

func TestList(t *testing.T) {
	ctx := context.Background()
	s, _ := openTemp(t)
	base := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	for i, id := range []string{"a", "b", "c", "d"} {
		e := newEscrow(id)
		e.CreatedAt = base.Add(time.Duration(i) * time.Minute)
		if err := s.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Finish(ctx, "b", store.StatusFailed, "", "boom"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "d", store.StatusFailed, "", "boom"); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name   string
		status store.Status
		limit  int
		want   []string
	}{
		{"all newest first", "", 10, []string{"d", "c", "b", "a"}},
		{"limit", "", 2, []string{"d", "c"}},
		{"failed", store.StatusFailed, 10, []string{"d", "b"}},
		{"pending", store.StatusPending, 10, []string{"c", "a"}},
		{"none ready", store.StatusReady, 10, []string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.List(ctx, tt.status, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			ids := []string{}
			for _, e := range got {
				ids = append(ids, e.ID)
			}
			if len(ids) != len(tt.want) {
				t.Fatalf("got %v, want %v", ids, tt.want)
			}
			for i := range ids {
				if ids[i] != tt.want[i] {
					t.Fatalf("got %v, want %v", ids, tt.want)
				}
			}
		})
	}
	if _, err := s.List(ctx, "bogus", 10); err == nil {
		t.Error("unknown status accepted")
	}
	if _, err := s.List(ctx, "", 0); err == nil {
		t.Error("limit 0 accepted")
	}
}

// TestRestartMarksInterrupted is the store's half of "kill the daemon while an
// escrow runs": after reopening, what was in flight is failed "interrupted" and
// the finished escrows are untouched.
func TestRestartMarksInterrupted(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "escrowd.db")
	s, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"pending", "running", "ready", "failed"} {
		if err := s.Create(ctx, newEscrow(id)); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.SetRunning(ctx, "running"); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "ready", store.StatusReady, "addr", ""); err != nil {
		t.Fatal(err)
	}
	if err := s.Finish(ctx, "failed", store.StatusFailed, "", "boom"); err != nil {
		t.Fatal(err)
	}
	// No Close: a killed process does not close its database.

	s2, err := store.Open(ctx, path)
	if err != nil {
		t.Fatal(err)
	}
	defer s2.Close()
	n, err := s2.MarkInterrupted(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if n != 2 {
		t.Errorf("marked %d, want 2", n)
	}
	want := map[string]struct {
		status store.Status
		err    string
		addr   string
	}{
		"pending": {store.StatusFailed, store.ReasonInterrupted, ""},
		"running": {store.StatusFailed, store.ReasonInterrupted, ""},
		"ready":   {store.StatusReady, "", "addr"},
		"failed":  {store.StatusFailed, "boom", ""},
	}
	for id, w := range want {
		e, err := s2.Get(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		if e.Status != w.status || e.Error != w.err || e.MultisigAddress != w.addr || e.FinishedAt == nil {
			t.Errorf("%s: %+v, want %+v", id, e, w)
		}
	}
	s.Close()
}

// A relative path, as escrowd's default --data-dir gives ("data/escrowd.db"),
// opens the file under the working directory (in a file: URI it would
// otherwise read as a host name).
func TestOpenRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	s, err := store.Open(context.Background(), filepath.Join("data", "escrowd.db"))
	if err != nil {
		t.Fatalf("open a relative path: %v", err)
	}
	defer s.Close()
	if err := s.Create(context.Background(), newEscrow("rel-1")); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join("data", "escrowd.db")); err != nil {
		t.Fatalf("the database is not where it was asked for: %v", err)
	}
}
