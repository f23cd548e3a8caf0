package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// diagnoser is the escrow service's Diagnose over the trace files in dir: a
// failed escrow's root cause, read once from its final file. nil when there
// are no trace files.
func diagnoser(dir string, logger *slog.Logger) func(ctx context.Context, escrowID string) string {
	if dir == "" {
		return nil
	}
	return func(_ context.Context, escrowID string) string {
		name, err := escrow.FileName(escrowID)
		if err != nil {
			return ""
		}
		fh, err := os.Open(filepath.Join(dir, name))
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
		return rootCause(analysis.Analyze(f, analysis.Options{}).Anomalies)
	}
}

// rootCause is the kind of the first anomaly that explains more than a failed
// call (the analyzer lists them in the order of the events that show them),
// else rpc_error when a call failed, else "".
func rootCause(anomalies []analysis.Anomaly) string {
	cause := ""
	for _, a := range anomalies {
		if a.Kind != analysis.KindRPCError {
			return string(a.Kind)
		}
		cause = string(a.Kind)
	}
	return cause
}
