package api

import (
	"context"
	"errors"
	"io"
	"os"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/internal/ui"
)

// storeWith opens a store holding escrows created one minute apart, in order.
func storeWith(t *testing.T, escrows ...store.Escrow) *store.Store {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "escrowd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	for i, e := range escrows {
		final, msg := e.Status, e.Error
		e.Status, e.Error, e.CreatedAt = store.StatusPending, "", at.Add(time.Duration(i)*time.Minute)
		if err := st.Create(ctx, e); err != nil {
			t.Fatal(err)
		}
		if final.SetupEnded() {
			if err := st.Finish(ctx, e.ID, final, "", msg); err != nil {
				t.Fatal(err)
			}
		}
	}
	return st
}

func TestUISourceList(t *testing.T) {
	st := storeWith(t,
		store.Escrow{ID: "first", TraceID: "t1", BuyerID: "b", VendorID: "v", Amount: 1, Status: store.StatusReady},
		store.Escrow{ID: "second", TraceID: "t2", BuyerID: "b", VendorID: "v", Amount: 1, Status: store.StatusFailed, Error: "round 1 buyer make_multisig: already multisig"},
		store.Escrow{ID: "third", TraceID: "t3", BuyerID: "b", VendorID: "v", Amount: 1},
	)
	src := uiSource{escrows: st, tracesDir: t.TempDir()}
	tests := []struct {
		limit int
		want  []ui.Entry
	}{
		{10, []ui.Entry{
			{EscrowID: "third", TraceID: "t3", Status: "pending"},
			{EscrowID: "second", TraceID: "t2", Status: "failed", Error: "round 1 buyer make_multisig: already multisig", Traced: true},
			{EscrowID: "first", TraceID: "t1", Status: "ready", Traced: true},
		}},
		{1, []ui.Entry{{EscrowID: "third", TraceID: "t3", Status: "pending"}}},
	}
	for _, tt := range tests {
		got, err := src.List(context.Background(), tt.limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(got) != len(tt.want) {
			t.Fatalf("limit %d: %d entries, want %d", tt.limit, len(got), len(tt.want))
		}
		for i, w := range tt.want {
			g := got[i]
			if g.CreatedAt.IsZero() {
				t.Errorf("limit %d, entry %d: no creation time", tt.limit, i)
			}
			g.CreatedAt = time.Time{}
			if g != w {
				t.Errorf("limit %d, entry %d: %+v, want %+v", tt.limit, i, g, w)
			}
		}
	}
	// A store that fails is an error, not an empty list.
	st.Close()
	if _, err := src.List(context.Background(), 10); err == nil {
		t.Error("List on a closed store: no error")
	}
}

func TestUISourceOpenTrace(t *testing.T) {
	st := storeWith(t,
		store.Escrow{ID: "traced", BuyerID: "b", VendorID: "v", Amount: 1, Status: store.StatusReady},
		store.Escrow{ID: "untraced", BuyerID: "b", VendorID: "v", Amount: 1, Status: store.StatusFailed, Error: "x"},
		store.Escrow{ID: "running", BuyerID: "b", VendorID: "v", Amount: 1},
		store.Escrow{ID: "dir", BuyerID: "b", VendorID: "v", Amount: 1, Status: store.StatusReady},
		store.Escrow{ID: "keylink", BuyerID: "b", VendorID: "v", Amount: 1, Status: store.StatusReady},
		store.Escrow{ID: "innerlink", BuyerID: "b", VendorID: "v", Amount: 1, Status: store.StatusReady},
		store.Escrow{ID: "fifo", BuyerID: "b", VendorID: "v", Amount: 1, Status: store.StatusReady},
	)
	traces := t.TempDir()
	if err := os.WriteFile(filepath.Join(traces, "escrow_traced.json"), []byte(`{"traced":1}`), 0o640); err != nil {
		t.Fatal(err)
	}
	// A trace file of an escrow the store does not know is not served.
	if err := os.WriteFile(filepath.Join(traces, "escrow_stranger.json"), []byte("{}"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(traces, "escrow_dir.json"), 0o700); err != nil {
		t.Fatal(err)
	}
	// Links, out of the directory (to a key) or inside it, and a FIFO (which
	// would block a reader): none is served.
	key := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(key, []byte("SECRET-KEY"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(key, filepath.Join(traces, "escrow_keylink.json")); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink("escrow_traced.json", filepath.Join(traces, "escrow_innerlink.json")); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(filepath.Join(traces, "escrow_fifo.json"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, dir, id string
		want          string // the content, when found
		err           error  // the sentinel, when not
	}{
		{"traced", traces, "traced", `{"traced":1}`, nil},
		{"no file yet", traces, "running", "", ui.ErrNotFound},
		{"no file", traces, "untraced", "", ui.ErrNotFound},
		{"unknown escrow", traces, "nobody", "", ui.ErrNotFound},
		{"file but unknown escrow", traces, "stranger", "", ui.ErrNotFound},
		{"tracing off", "", "traced", "", ui.ErrTracingOff},
		{"tracing off, unknown escrow", "", "nobody", "", ui.ErrNotFound},
		{"a directory", traces, "dir", "", errNotRegular},
		{"a link to a key", traces, "keylink", "", errNotRegular},
		{"a link to a trace", traces, "innerlink", "", errNotRegular},
		{"a fifo", traces, "fifo", "", errNotRegular},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rc, err := uiSource{escrows: st, tracesDir: tt.dir}.OpenTrace(context.Background(), tt.id)
			if tt.want != "" {
				if err != nil {
					t.Fatalf("OpenTrace: %v", err)
				}
				defer rc.Close()
				got, err := io.ReadAll(rc)
				if err != nil || string(got) != tt.want {
					t.Fatalf("OpenTrace read %q, %v; want %q", got, err, tt.want)
				}
				return
			}
			if err == nil {
				rc.Close()
				t.Fatal("OpenTrace opened it, want an error")
			}
			if !errors.Is(err, tt.err) {
				t.Errorf("error %v, want %v", err, tt.err)
			}
			if errors.Is(tt.err, errNotRegular) && (errors.Is(err, ui.ErrNotFound) || errors.Is(err, ui.ErrTracingOff)) {
				t.Errorf("error %v: a broken traces directory is not a 404", err)
			}
		})
	}
}
