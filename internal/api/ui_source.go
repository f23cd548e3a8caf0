package api

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

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
// from the traces directory ("" when instrumentation is off). A trace path is
// built from the stored escrow's ID by escrow.FileName, never from the
// request.
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
			Kind: string(e.Failure.Kind), Cause: e.Cause, Traced: s.tracesDir != "" && e.Status.Final(), CreatedAt: e.CreatedAt}
	}
	return out, nil
}

// TracePath is the escrow's escrow_<id>.json: ui.ErrNotFound for an unknown
// escrow or a missing file, ui.ErrTracingOff for a known escrow when there
// is no traces directory.
func (s uiSource) TracePath(ctx context.Context, id string) (string, error) {
	e, err := s.escrows.Get(ctx, id)
	if errors.Is(err, store.ErrNotFound) {
		return "", fmt.Errorf("escrow %s: %w", id, ui.ErrNotFound)
	}
	if err != nil {
		return "", fmt.Errorf("ui: %w", err)
	}
	if s.tracesDir == "" {
		return "", fmt.Errorf("escrow %s: %w", e.ID, ui.ErrTracingOff)
	}
	name, err := escrow.FileName(e.ID)
	if err != nil {
		return "", fmt.Errorf("escrow %s: %w", e.ID, err)
	}
	path := filepath.Join(s.tracesDir, name)
	fi, err := os.Stat(path)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return "", fmt.Errorf("escrow %s (%s): no trace file: %w", e.ID, e.Status, ui.ErrNotFound)
	case err != nil:
		return "", fmt.Errorf("escrow %s: %w", e.ID, err)
	case !fi.Mode().IsRegular():
		return "", fmt.Errorf("escrow %s: %s is not a regular file", e.ID, name)
	}
	return path, nil
}
