package escrowtrace

import (
	"bytes"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// encoded is f as the exporter writes it.
func encoded(t testing.TB, f *File) []byte {
	t.Helper()
	data, err := AppendFile(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestMergeIsBuildOfAllPhases: the setup's file, decoded from its bytes as
// the exporter reads it, merged with the release phase built alone, is byte
// for byte the file Build makes of both phases' spans; merging the same
// phase again replaces it; a setup merged into nothing is the setup's file.
func TestMergeIsBuildOfAllPhases(t *testing.T) {
	all := lifecycleSpans()
	n := len(sampleSpans())
	setup, err := Build(all[:n], BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	release, err := Build(all[n:], BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(release.Phases) != 1 || release.Phases[0].Name != escrow.PhaseRelease {
		t.Fatalf("release alone: phases %+v", release.Phases)
	}
	base, err := Decode(bytes.NewReader(encoded(t, setup)))
	if err != nil {
		t.Fatal(err)
	}
	want := encoded(t, lifecycleFile(t))

	got, err := Merge(base, release)
	if err != nil {
		t.Fatal(err)
	}
	if g := encoded(t, got); !bytes.Equal(g, want) {
		t.Errorf("merged:\n%s\nwant (Build of all spans):\n%s", g, want)
	}
	if err := Validate(want); err != nil {
		t.Error(err)
	}
	again, err := Merge(got, release)
	if err != nil {
		t.Fatal(err)
	}
	if g := encoded(t, again); !bytes.Equal(g, want) {
		t.Errorf("the release merged twice differs from once:\n%s", g)
	}
	// An unfinished release (a flush before its root ended: its
	// sign_multisig span alone) is replaced by the finished one.
	partial, err := Build(all[n+2:], BuildOptions{Incomplete: true})
	if err != nil {
		t.Fatal(err)
	}
	withPartial, err := Merge(base, partial)
	if err != nil {
		t.Fatal(err)
	}
	if withPartial.Outcome != OutcomeIncomplete || len(withPartial.Phases) != 2 || withPartial.Phases[1].Name != escrow.PhaseRelease {
		t.Errorf("with an unfinished release: outcome %s, phases %+v", withPartial.Outcome, withPartial.Phases)
	}
	done, err := Merge(withPartial, release)
	if err != nil {
		t.Fatal(err)
	}
	if g := encoded(t, done); !bytes.Equal(g, want) {
		t.Errorf("the finished release after an unfinished one:\n%s", g)
	}

	alone, err := Merge(nil, setup)
	if err != nil || !bytes.Equal(encoded(t, alone), encoded(t, setup)) {
		t.Errorf("setup merged into nothing differs from the setup's file (%v)", err)
	}
	other := *release
	other.EscrowID = "another"
	if _, err := Merge(base, &other); err == nil {
		t.Error("merged a phase of another escrow")
	}
}
