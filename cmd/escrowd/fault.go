package main

import (
	"log/slog"
	"os"
	"syscall"

	"github.com/escrowd/escrowd/pkg/multisig"
)

// faultHook is the test-only fault injection of ESCROWD_FAULT_KILL_AFTER_STAGE
// (see doc.go): right after the store kept a payout's record at stage,
// escrowd SIGKILLs its own process, as a crash at that point would. nil
// when stage is "" (the normal case).
func faultHook(stage multisig.PayoutStage, logger *slog.Logger) func(escrowID string, st multisig.PayoutStage) {
	if stage == "" {
		return nil
	}
	logger.Warn("fault injection on: escrowd kills itself after a payout records this stage (test-only)", "env", faultEnv, "stage", stage)
	return func(escrowID string, st multisig.PayoutStage) {
		if st != stage {
			return
		}
		logger.Warn("fault injection: SIGKILL of escrowd", "escrow_id", escrowID, "stage", st)
		if err := syscall.Kill(os.Getpid(), syscall.SIGKILL); err != nil {
			os.Exit(exitFailed) // still without running anything more
		}
		select {} // the signal is on its way: nothing after the record runs
	}
}
