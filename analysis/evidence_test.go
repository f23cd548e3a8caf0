package analysis_test

import (
	"strings"
	"testing"

	"github.com/escrowd/escrowd/analysis"
)

// A real shared-mode failure: the analyzer points at what in the file shows
// that the call ran on another wallet; a real leased escrow shows nothing of
// the kind.
func TestRPCErrorEvidenceOfSwitchedWallet(t *testing.T) {
	a := analysis.Analyze(readDemo(t, "shared_already_multisig.json"), analysis.Options{})
	var cause string
	for _, an := range a.Anomalies {
		if an.Kind == analysis.KindRPCError && strings.Contains(an.Message, "already multisig") {
			cause = an.Cause
		}
	}
	if cause == "" {
		t.Fatalf("no rpc_error anomaly for already multisig: %+v", a.Anomalies)
	}
	for _, want := range []string{
		"SNAPSHOT_PRE_ROUND1 at #8 saw buyer's wallet not multisig, yet make_multisig answered already multisig",
		"buyer, vendor, arbiter all called one wallet server, 127.0.0.1:",
	} {
		if !strings.Contains(cause, want) {
			t.Errorf("cause %q\nlacks %q", cause, want)
		}
	}

	good := analysis.Analyze(readDemo(t, "leased_ready_a.json"), analysis.Options{})
	for _, an := range good.Anomalies {
		if strings.Contains(an.Cause, "evidence:") {
			t.Errorf("evidence of a shared server in a leased escrow: %+v", an)
		}
	}
}
