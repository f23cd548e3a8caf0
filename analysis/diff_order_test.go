package analysis_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// readDemo reads a file escrowd wrote in a demo run (testdata/demo): real
// escrows, whose roles interleaved as the wallet servers happened to answer.
func readDemo(t *testing.T, name string) *escrowtrace.File {
	t.Helper()
	f, err := os.Open(filepath.Join("testdata", "demo", name))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ef, err := escrowtrace.Decode(f)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	return ef
}

func interleaving(f *escrowtrace.File) string {
	var b strings.Builder
	for _, e := range f.Events {
		b.WriteString(e.Role)
		b.WriteByte(' ')
	}
	return b.String()
}

// Two real successful escrows whose roles interleaved differently go through
// the same steps: the diff finds no divergence.
func TestCompareIgnoresRoleInterleaving(t *testing.T) {
	a, b := readDemo(t, "leased_ready_a.json"), readDemo(t, "leased_ready_b.json")
	if interleaving(a) == interleaving(b) {
		t.Fatal("the two files interleave their roles the same way: the test would prove nothing")
	}
	d := analysis.Compare(a, b)
	if !d.Identical {
		t.Fatalf("divergence between two good escrows at #%d: %s (A: %v, B: %v)", d.First.Index, d.First.Reason, d.First.A, d.First.B)
	}
	if len(d.Steps) != len(a.Events) || len(a.Events) != len(b.Events) {
		t.Fatalf("%d aligned steps for %d and %d events", len(d.Steps), len(a.Events), len(b.Events))
	}
}

// The real shared-mode failure against a real good escrow: the first
// divergence is where the shared server's escrow first did something the
// leased one never does, not an accident of ordering in wallet creation.
func TestCompareSharedFailureAgainstLeased(t *testing.T) {
	bad, good := readDemo(t, "shared_already_multisig.json"), readDemo(t, "leased_ready_a.json")
	d := analysis.Compare(bad, good)
	if d.Identical || d.First == nil {
		t.Fatal("no divergence between a failed and a good escrow")
	}
	// Wallet creation is the same on both sides (three create_wallet calls).
	for _, s := range d.Steps[:d.First.Index] {
		if !s.Match || s.A.Method != "create_wallet" {
			t.Fatalf("step %d before the divergence: %+v", s.Index, s)
		}
	}
	if d.First.Index != 6 {
		t.Errorf("first divergence at #%d, want #6 (after the 6 create_wallet events)", d.First.Index)
	}
	// The shared server must switch wallets: its escrow opens the buyer's
	// wallet before round 1, which a leased escrow never needs.
	if a := d.First.A; a == nil || a.Method != "open_wallet" || a.Role != "buyer" {
		t.Errorf("first divergence A = %+v, want the buyer's open_wallet", d.First.A)
	}
	// The failure itself is aligned against the step that succeeded in B.
	var found bool
	for _, s := range d.Steps {
		if s.A != nil && s.A.Type == escrowtrace.EventRPCCallError && s.A.Method == "make_multisig" {
			found = s.B != nil && s.B.Method == "make_multisig" && s.B.Type == escrowtrace.EventRPCCallEnd
		}
	}
	if !found {
		t.Error("the failed make_multisig is not aligned with B's successful one")
	}
}
