package main

import (
	"context"
	"log/slog"
	"os"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// diagnoser is the escrow service's Diagnose over the trace files in dir: a
// failed escrow's root cause (analysis.RootCause), read once from its final
// file. nil when there
// are no trace files.
func diagnoser(dir string, logger *slog.Logger) func(ctx context.Context, escrowID string) string {
	if dir == "" {
		return nil
	}
	return func(_ context.Context, escrowID string) string {
		path, err := escrowtrace.Path(dir, escrowID)
		if err != nil {
			return ""
		}
		fh, err := os.Open(path)
		if err != nil {
			logger.Warn("diagnose escrow: no trace file", "escrow_id", escrowID, "err", err)
			return ""
		}
		defer fh.Close()
		f, err := escrowtrace.Decode(fh)
		if err != nil {
			logger.Warn("diagnose escrow: unreadable trace file", "escrow_id", escrowID, "err", err)
			return ""
		}
		return string(analysis.RootCause(f))
	}
}
