package main

import (
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"

	"github.com/escrowd/escrowd/pkg/multisig"
)

const faultHelperEnv = "ESCROWD_FAULT_HELPER"

// TestFaultHookHelper is the child of TestFaultHookKills: it records the
// three stages in order with the hook set to the stage in its environment.
func TestFaultHookHelper(t *testing.T) {
	stage := os.Getenv(faultHelperEnv)
	if stage == "" {
		return
	}
	hook := faultHook(multisig.PayoutStage(stage), slog.New(slog.DiscardHandler))
	for _, st := range []multisig.PayoutStage{multisig.StageUnsigned, multisig.StageSigned, multisig.StageSubmitted} {
		fmt.Println("recorded", st)
		hook("e1", st)
	}
	fmt.Println("survived")
	os.Exit(0)
}

// TestFaultHookKills: the hook SIGKILLs the process right after the chosen
// stage and not before; without the setting there is no hook.
func TestFaultHookKills(t *testing.T) {
	if faultHook("", slog.New(slog.DiscardHandler)) != nil {
		t.Error("a hook without ESCROWD_FAULT_KILL_AFTER_STAGE")
	}
	for _, tt := range []struct {
		stage multisig.PayoutStage
		out   string
	}{
		{multisig.StageUnsigned, "recorded unsigned\n"},
		{multisig.StageSigned, "recorded unsigned\nrecorded signed\n"},
		{multisig.StageSubmitted, "recorded unsigned\nrecorded signed\nrecorded submitted\n"},
	} {
		cmd := exec.Command(os.Args[0], "-test.run=^TestFaultHookHelper$")
		cmd.Env = append(os.Environ(), faultHelperEnv+"="+string(tt.stage))
		out, err := cmd.Output()
		var ee *exec.ExitError
		if !errors.As(err, &ee) {
			t.Fatalf("%s: %v, want killed", tt.stage, err)
		}
		ws, ok := ee.Sys().(syscall.WaitStatus)
		if !ok || !ws.Signaled() || ws.Signal() != syscall.SIGKILL {
			t.Errorf("%s: %v, want SIGKILL", tt.stage, err)
		}
		if string(out) != tt.out || strings.Contains(string(out), "survived") {
			t.Errorf("%s: output %q, want %q", tt.stage, out, tt.out)
		}
	}
}
