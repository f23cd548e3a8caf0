package escrowtrace

import (
	"reflect"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
)

const releaseRoot = "00f067aa0ba90300"

// lifecycleSpans is sampleSpans' escrow set up successfully, then a release
// whose sign_multisig fails with stale data: two root spans in one trace.
func lifecycleSpans() []Span {
	spans := sampleSpans()
	root := &spans[len(spans)-1]
	root.Attributes[AttrEscrowOutcome] = OutcomeSuccess
	root.StatusError, root.StatusMessage = false, ""
	root.Events = nil
	spans[1].StatusError = false // the vendor's make_multisig succeeded
	delete(spans[1].Attributes, AttrRPCStatusCode)
	spans = append(spans,
		Span{
			TraceID: sampleTrace, SpanID: releaseRoot, Name: "escrow.release", Start: at(100), End: at(200),
			Attributes: map[string]any{AttrEscrowID: sampleEscrow, AttrEscrowPhase: "release", AttrEscrowOutcome: OutcomeFailed},
			Events: []SpanEvent{{Name: EventErrorFinal, Time: at(199), Attributes: map[string]any{
				AttrEscrowRole: "vendor", AttrEscrowOperation: "sign_multisig", AttrWalletID: "w-vendor",
				AttrErrorMessage: "vendor: sign_multisig: stale data", AttrErrorKind: "stale_data",
			}}},
			StatusError: true, Service: "escrowd",
		},
		Span{ // no escrow.phase of its own: it takes its root's
			TraceID: sampleTrace, SpanID: "0000000000000010", ParentSpanID: releaseRoot, Name: "wallet.import_multisig_info",
			Start: at(110), End: at(120),
			Attributes: map[string]any{AttrEscrowID: sampleEscrow, AttrEscrowRole: "buyer", AttrRPCMethod: "import_multisig_info"},
			Events: []SpanEvent{{Name: escrow.PointPostSync.Name(), Time: at(119), Attributes: map[string]any{
				AttrEscrowRole: "buyer", AttrWalletID: "w-buyer", AttrSnapshotIsMultisig: true,
				AttrSnapshotBalance: int64(5e11), AttrSnapshotImportNeeded: false, AttrSnapshotHeight: int64(1234),
			}}},
			Service: "escrowd",
		},
		Span{
			TraceID: sampleTrace, SpanID: "0000000000000011", ParentSpanID: releaseRoot, Name: "wallet.sign_multisig",
			Start: at(150), End: at(160),
			Attributes: map[string]any{AttrEscrowID: sampleEscrow, AttrEscrowRole: "vendor", AttrEscrowPhase: "release",
				AttrRPCMethod: "sign_multisig", AttrRPCStatusCode: int64(-35), AttrErrorType: "-35", AttrErrorKind: "stale_data"},
			StatusError: true, StatusMessage: "Signature made with stale data", Service: "escrowd",
		},
	)
	return spans
}

func lifecycleFile(t testing.TB) *File {
	t.Helper()
	f, err := Build(lifecycleSpans(), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestBuildLifecycle(t *testing.T) {
	f := lifecycleFile(t)
	wantPhases := []PhaseRecord{
		{Name: escrow.PhaseSetup, Outcome: OutcomeSuccess, StartedAt: at(0), EndedAt: ptrTo(at(40)), DurationMS: ptrTo(40.0)},
		{Name: escrow.PhaseRelease, Outcome: OutcomeFailed, StartedAt: at(100), EndedAt: ptrTo(at(200)), DurationMS: ptrTo(100.0),
			Error: &FileError{Message: "vendor: sign_multisig: stale data", Role: "vendor", Operation: "sign_multisig", Kind: escrow.KindStaleData}},
	}
	if !reflect.DeepEqual(f.Phases, wantPhases) {
		t.Errorf("phases:\n got %+v\nwant %+v", f.Phases, wantPhases)
	}
	// The top level is the latest phase's; offsets count from the escrow's start.
	if f.Outcome != OutcomeFailed || !f.StartedAt.Equal(at(0)) || !f.EndedAt.Equal(at(200)) || *f.DurationMS != 100 ||
		!reflect.DeepEqual(f.Error, wantPhases[1].Error) {
		t.Errorf("top level: outcome %s started %v ended %v duration %v error %+v", f.Outcome, f.StartedAt, f.EndedAt, *f.DurationMS, f.Error)
	}
	byType := map[string]Event{}
	for _, e := range f.Events {
		if e.Time.Before(at(100)) && e.Phase != escrow.PhaseSetup {
			t.Errorf("setup event %s in phase %q", e.Type, e.Phase)
		}
		byType[e.Type+"/"+e.Method] = e
	}
	sync := byType[escrow.PointPostSync.Name()+"/"]
	if sync.Phase != escrow.PhaseRelease || sync.Round != 0 || sync.Snapshot == nil ||
		sync.Snapshot.MultisigImportNeeded == nil || *sync.Snapshot.MultisigImportNeeded ||
		sync.Snapshot.Height == nil || *sync.Snapshot.Height != 1234 || *sync.Snapshot.Balance != 5e11 {
		t.Errorf("payout snapshot = %+v / %+v", sync, sync.Snapshot)
	}
	if e := byType[EventRPCCallStart+"/import_multisig_info"]; e.Phase != escrow.PhaseRelease {
		t.Errorf("an RPC span without escrow.phase is in %q, want its root's", e.Phase)
	}
	rpcErr := byType[EventRPCCallError+"/sign_multisig"]
	if rpcErr.Phase != escrow.PhaseRelease || rpcErr.Error == nil || rpcErr.Error.Kind != escrow.KindStaleData || *rpcErr.Error.Code != -35 ||
		rpcErr.Error.Message != "Signature made with stale data" {
		t.Errorf("RPC error = %+v / %+v", rpcErr, rpcErr.Error)
	}
	final := byType[EventErrorFinal+"/"]
	wantCtx := &ErrorContext{Operation: "sign_multisig", WalletID: "w-vendor", EscrowID: sampleEscrow, Phase: escrow.PhaseRelease, Role: "vendor"}
	if !reflect.DeepEqual(final.Context, wantCtx) || final.Error.Kind != escrow.KindStaleData {
		t.Errorf("ERROR_FINAL context = %+v error %+v", final.Context, final.Error)
	}
	mustValidate(t, f)
	roundTrip(t, f)
}

// A setup's ERROR_FINAL keeps the setup's context (no phase, no role) and
// carries the kind; a setup alone has no phases list.
func TestBuildSetupErrorKind(t *testing.T) {
	spans := sampleSpans()
	root := &spans[len(spans)-1]
	root.Events[1].Attributes[AttrErrorKind] = "already_multisig"
	spans[1].Attributes[AttrErrorKind] = "already_multisig"
	f, err := Build(spans, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Phases != nil || f.Error.Kind != escrow.KindAlreadyMultisig {
		t.Errorf("phases %v, error %+v", f.Phases, f.Error)
	}
	for _, e := range f.Events {
		if e.Phase != escrow.PhaseSetup {
			t.Errorf("%s: phase %q", e.Type, e.Phase)
		}
		if e.Type == EventErrorFinal && (e.Context.Phase != "" || e.Context.Role != "" || e.Error.Kind != escrow.KindAlreadyMultisig) {
			t.Errorf("setup ERROR_FINAL = %+v %+v", e.Context, e.Error)
		}
		if e.Type == EventRPCCallError && e.Error.Kind != escrow.KindAlreadyMultisig {
			t.Errorf("RPC error kind = %q", e.Error.Kind)
		}
	}
	// A kind that is not a few stable words does not reach the file.
	spans[1].Attributes[AttrErrorKind] = "stale data: see <addr>"
	if f, _ = Build(spans, BuildOptions{}); f.Events[5].Error.Kind != "" {
		t.Errorf("odd kind written: %q", f.Events[5].Error.Kind)
	}
	mustValidate(t, f)
}

func TestBuildLifecycleEdges(t *testing.T) {
	// The setup's root tagged escrow.phase=setup: still a file of the setup alone.
	spans := sampleSpans()
	spans[len(spans)-1].Attributes[AttrEscrowPhase] = "setup"
	f, err := Build(spans, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	plain, _ := Build(sampleSpans(), BuildOptions{})
	if !reflect.DeepEqual(f, plain) {
		t.Errorf("escrow.phase=setup changed a setup-only file")
	}

	// Payout spans whose root has not arrived: no phases to list, no panic.
	spans = lifecycleSpans()
	var orphans []Span
	for _, s := range spans {
		if s.ParentSpanID == releaseRoot {
			orphans = append(orphans, s)
		}
	}
	f, err = Build(orphans, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if f.Outcome != OutcomeIncomplete || len(f.Phases) != 0 {
		t.Errorf("orphans: outcome %s, phases %v", f.Outcome, f.Phases)
	}
	for _, e := range f.Events {
		if e.Method == "sign_multisig" && e.Phase != escrow.PhaseRelease {
			t.Errorf("%s keeps its own escrow.phase: got %q", e.Type, e.Phase)
		}
	}

	// A flush while the release runs: that phase is incomplete, the setup is not.
	f, err = Build(lifecycleSpans(), BuildOptions{Incomplete: true})
	if err != nil {
		t.Fatal(err)
	}
	if f.Outcome != OutcomeIncomplete || f.EndedAt != nil || f.Phases[0].Outcome != OutcomeSuccess || f.Phases[1].Outcome != OutcomeIncomplete || f.Phases[1].EndedAt != nil {
		t.Errorf("incomplete: %s %v %+v", f.Outcome, f.EndedAt, f.Phases)
	}
	mustValidate(t, f)
}
