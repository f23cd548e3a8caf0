package ui

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"testing"
	"time"
)

// fixtures are the analyzer's escrow files: a success, a second success and
// the shared-mode race failure among them.
const fixtures = "../../analysis/testdata/fixtures"

// fakeSource serves entries from memory and trace files from a directory,
// as escrowd's store and traces directory would.
type fakeSource struct {
	entries []Entry
	paths   map[string]string // escrow ID -> trace file
	listErr error
	pathErr error // when set, OpenTrace's answer for every escrow
}

func (s *fakeSource) List(_ context.Context, limit int) ([]Entry, error) {
	if s.listErr != nil {
		return nil, s.listErr
	}
	return s.entries[:min(limit, len(s.entries))], nil
}

func (s *fakeSource) OpenTrace(_ context.Context, id string) (io.ReadCloser, error) {
	if s.pathErr != nil {
		return nil, fmt.Errorf("escrow %s: %w", id, s.pathErr)
	}
	p, ok := s.paths[id]
	if !ok {
		return nil, fmt.Errorf("escrow %s: %w", id, ErrNotFound)
	}
	return os.Open(p)
}

// fixtureSource lists ok-a (success), race-b (the shared-mode race), ok-b,
// one escrow without a trace, one whose file is broken, and one whose ID and
// error are hostile.
func fixtureSource(t *testing.T) *fakeSource {
	t.Helper()
	broken := filepath.Join(t.TempDir(), "escrow_broken.json")
	if err := os.WriteFile(broken, []byte(`{"schema": "escrow-trace/v1", "events": [`), 0o600); err != nil {
		t.Fatal(err)
	}
	at := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return &fakeSource{
		entries: []Entry{
			{EscrowID: "race-b", TraceID: "00000000000000000000726163652d62", Status: "failed", Error: "round 1 buyer make_multisig: This wallet is already multisig",
				Kind: "already_multisig", Cause: "already_multisig_before_round1", Traced: true, CreatedAt: at.Add(3 * time.Minute)},
			{EscrowID: "ok-b", Status: "ready", Traced: true, CreatedAt: at.Add(2 * time.Minute)},
			{EscrowID: "ok-a", TraceID: "0000000000000000000000006f6b2d61", Status: "ready", Traced: true, CreatedAt: at.Add(time.Minute)},
			{EscrowID: "pending-1", Status: "pending", CreatedAt: at},
			{EscrowID: "broken", Status: "failed", Error: "x", Kind: "unavailable", Traced: true, CreatedAt: at},
			{EscrowID: `<script>alert(1)</script>`, Status: "failed", Error: `<img src=x onerror=alert(2)>`, CreatedAt: at},
		},
		paths: map[string]string{
			"ok-a":   filepath.Join(fixtures, "success.json"),
			"ok-b":   filepath.Join(fixtures, "success_b.json"),
			"race-b": filepath.Join(fixtures, "already_multisig_before_round1.json"),
			"broken": broken,
		},
	}
}

var errStoreDown = errors.New("store is down")
