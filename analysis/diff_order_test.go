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

// stripSnapshotRounds drops the optional round from every snapshot event, as
// another producer may write them.
func stripSnapshotRounds(f *escrowtrace.File) *escrowtrace.File {
	g := *f
	g.Events = append([]escrowtrace.Event(nil), f.Events...)
	for i := range g.Events {
		if g.Events[i].Snapshot != nil {
			g.Events[i].Round = 0
		}
	}
	return &g
}

// failAfterFirstRole turns a good escrow into one whose vendor's
// make_multisig failed after the buyer's had succeeded, the roles running
// the step at once: the arbiter's call still ended, and the abort left out
// every role's POST_MAKE_MULTISIG snapshot and everything after round 1.
func failAfterFirstRole(t *testing.T, good *escrowtrace.File) *escrowtrace.File {
	t.Helper()
	bad := *good
	bad.EscrowID, bad.Outcome = "vendor-fails", escrowtrace.OutcomeFailed
	bad.Events = nil
	failed := false
	for _, e := range good.Events {
		if e.Round >= 2 || e.Type == escrowtrace.EventSnapshotPostMakeMultisig || e.Type == escrowtrace.EventSnapshotFinal ||
			(e.Round == 1 && (e.Method == "store" || e.Method == "is_multisig")) {
			continue
		}
		if e.Type == escrowtrace.EventRPCCallEnd && e.Role == "vendor" && e.Method == "make_multisig" {
			code := -28
			e.Type, e.Error, failed = escrowtrace.EventRPCCallError, &escrowtrace.EventError{Code: &code, Message: "This wallet is already multisig"}, true
		}
		bad.Events = append(bad.Events, e)
	}
	if !failed {
		t.Fatal("the good escrow has no vendor make_multisig")
	}
	last := bad.Events[len(bad.Events)-1]
	bad.Events = append(bad.Events, escrowtrace.Event{Type: escrowtrace.EventErrorFinal, Role: "vendor", Round: 1,
		Time: last.Time, OffsetMS: last.OffsetMS + 1, Error: &escrowtrace.EventError{Message: "vendor: round 1: make_multisig: already multisig"},
		Context: &escrowtrace.ErrorContext{Round: 1, Operation: "make_multisig"}})
	for i := range bad.Events {
		bad.Events[i].Seq = i
	}
	return &bad
}

// The first divergence is the earliest departure in the protocol's order:
// the vendor's failed make_multisig against its successful one, not the
// buyer's POST_MAKE_MULTISIG snapshot that the abort left out (a role-major
// order puts that first), whether the snapshots carry their round or not.
func TestCompareFirstDivergenceIsTheFailedCall(t *testing.T) {
	good := readDemo(t, "leased_ready_a.json")
	bad := failAfterFirstRole(t, good)
	tests := []struct {
		name string
		a, b *escrowtrace.File
	}{
		{"rounds on snapshots", good, bad},
		{"no rounds on the failed escrow's snapshots", good, stripSnapshotRounds(bad)},
		{"no rounds on either", stripSnapshotRounds(good), stripSnapshotRounds(bad)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := analysis.Compare(tt.a, tt.b)
			if d.First == nil {
				t.Fatal("no divergence")
			}
			a, b := d.First.A, d.First.B
			if a == nil || b == nil || a.Role != "vendor" || a.Method != "make_multisig" || b.Method != "make_multisig" ||
				a.Type != escrowtrace.EventRPCCallEnd || b.Type != escrowtrace.EventRPCCallError {
				t.Errorf("first divergence #%d A=%s B=%s (%s), want the vendor's make_multisig END vs ERROR",
					d.First.Index, keyOf(a), keyOf(b), d.First.Reason)
			}
		})
	}
}

// A file without round on its snapshots diffs exactly like the same file
// with them.
func TestCompareWithoutSnapshotRounds(t *testing.T) {
	a, b := readDemo(t, "leased_ready_a.json"), readDemo(t, "leased_ready_b.json")
	if d := analysis.Compare(a, stripSnapshotRounds(b)); !d.Identical {
		t.Fatalf("divergence at #%d: %s", d.First.Index, d.First.Reason)
	}
	bad := readDemo(t, "shared_already_multisig.json")
	with, without := analysis.Compare(bad, a), analysis.Compare(stripSnapshotRounds(bad), a)
	if with.First == nil || without.First == nil || with.First.Index != without.First.Index || with.First.Reason != without.First.Reason ||
		len(with.Steps) != len(without.Steps) {
		t.Errorf("with rounds %+v, without %+v", with.First, without.First)
	}
}

func keyOf(e *escrowtrace.Event) string {
	if e == nil {
		return "(none)"
	}
	return analysis.KeyOf(e).String()
}
