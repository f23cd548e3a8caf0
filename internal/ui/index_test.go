package ui

import (
	"context"
	"fmt"
	"io"
	"io/fs"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/net/html"
)

// countingSource is a store of many escrows whose trace files the list must
// never ask for: OpenTrace counts the calls (the pages' only way to a file)
// and answers that the file is missing.
type countingSource struct {
	entries []Entry
	paths   atomic.Int64
}

func (s *countingSource) List(_ context.Context, limit int) ([]Entry, error) {
	return s.entries[:min(limit, len(s.entries))], nil
}

func (s *countingSource) OpenTrace(context.Context, string) (io.ReadCloser, error) {
	s.paths.Add(1)
	return nil, fs.ErrNotExist
}

// TestIndexOf500OpensNoTraceFile: /ui/?limit=500 over 500 escrows asks for
// no trace file, and each row shows what the store knows: a failure's root
// cause, or else its kind.
func TestIndexOf500OpensNoTraceFile(t *testing.T) {
	src := &countingSource{}
	at := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	want := map[string]string{}
	for i := range 500 {
		e := Entry{EscrowID: fmt.Sprintf("e-%03d", i), Traced: true, CreatedAt: at.Add(-time.Duration(i) * time.Second)}
		switch i % 3 {
		case 0:
			e.Status = "ready"
			want[e.EscrowID] = "—"
		case 1:
			e.Status, e.Kind, e.Cause = "failed", "already_multisig", "already_multisig_before_round1"
			want[e.EscrowID] = "⚠ already_multisig_before_round1"
		case 2:
			e.Status, e.Kind = "failed", "timeout"
			want[e.EscrowID] = "⚠ timeout"
		}
		src.entries = append(src.entries, e)
	}
	e := newServer(t, src, Options{})
	rec := get(t, e, "/ui/?limit=500")
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	if n := src.paths.Load(); n != 0 {
		t.Fatalf("the list asked for %d trace files, want none", n)
	}
	rows := elements(t, rec.Body.Bytes(), func(n *html.Node) bool { return attr(n, "class") == "escrow" })
	if len(rows) != 500 {
		t.Fatalf("%d rows, want 500", len(rows))
	}
	for _, r := range rows {
		id := attr(r, "data-escrow-id")
		if got := text(r); !strings.Contains(got, want[id]) || !strings.Contains(got, "page") {
			t.Errorf("row %s: %q, want %q and a page link", id, got, want[id])
		}
	}
	// The escrow page is what reads a file.
	get(t, e, "/ui/escrow/e-001")
	if n := src.paths.Load(); n != 1 {
		t.Fatalf("the escrow page asked for %d trace files, want 1", n)
	}
}
