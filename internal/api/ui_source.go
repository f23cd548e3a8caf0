package api

import (
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/internal/ui"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// escrowReader is what the pages read escrows through: *escrows.Service (and
// *store.Store, which it wraps).
type escrowReader interface {
	Get(ctx context.Context, id string) (store.Escrow, error)
	List(ctx context.Context, status store.Status, limit int) ([]store.Escrow, error)
}

// uiSource is the ui.Source of escrowd: escrows from the store, trace files
// from the traces directory ("" when instrumentation is off). A trace file's
// name is built from the stored escrow's ID by escrow.FileName, never
// from the request.
type uiSource struct {
	escrows   escrowReader
	tracesDir string
}

var _ ui.Source = uiSource{}

// List returns up to limit escrows, newest first.
func (s uiSource) List(ctx context.Context, limit int) ([]ui.Entry, error) {
	list, err := s.escrows.List(ctx, "", limit)
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	out := make([]ui.Entry, len(list))
	for i, e := range list {
		out[i] = ui.Entry{EscrowID: e.ID, TraceID: e.TraceID, Status: string(e.Status), Error: e.Error,
			Kind: string(e.Failure.Kind), Cause: e.Cause, Traced: s.tracesDir != "" && e.Status.SetupEnded(), CreatedAt: e.CreatedAt}
		if l := e.LastError; e.Error == "" && l.Message != "" {
			// A failed payout attempt: the escrow kept its funds and state.
			out[i].Error, out[i].Kind, out[i].Cause = string(l.Phase)+": "+l.Message, string(l.Kind), l.Cause
		}
	}
	return out, nil
}

// OpenTrace opens the escrow's escrow_<id>.json (see openTraceFile):
// ui.ErrNotFound for an unknown escrow or a missing file, ui.ErrTracingOff
// for a known escrow when there is no traces directory.
func (s uiSource) OpenTrace(ctx context.Context, id string) (io.ReadCloser, error) {
	e, err := s.escrows.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fmt.Errorf("escrow %s: %w", id, ui.ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("ui: %w", err)
	}
	if s.tracesDir == "" {
		return nil, fmt.Errorf("escrow %s: %w", e.ID, ui.ErrTracingOff)
	}
	name, err := escrow.FileName(e.ID)
	if err != nil {
		return nil, fmt.Errorf("escrow %s: %w", e.ID, err)
	}
	f, err := openTraceFile(s.tracesDir, name)
	switch {
	case isMissing(err):
		return nil, fmt.Errorf("escrow %s (%s): no trace file: %w", e.ID, e.Status, ui.ErrNotFound)
	case err != nil:
		return nil, fmt.Errorf("escrow %s: %w", e.ID, err)
	}
	return f, nil
}
