package jsonfile

import (
	"reflect"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/exporters/jsonfile/internal/spanconv"
)

// lifecycleStubs is escrowStubs' successful setup, then a release phase (a
// second root span of the same trace) whose vendor gets "stale data" from
// sign_multisig, with payout snapshots and an ERROR_FINAL.
func lifecycleStubs(c escrowCase) tracetest.SpanStubs {
	stubs := escrowStubs(c)
	last := stubs[len(stubs)-1] // the setup's root ends last
	b := &stubBuilder{c: c, tid: last.SpanContext.TraceID(), next: 1000, now: last.EndTime.Add(time.Second), stubs: stubs}
	root := b.span("escrow.release", trace.SpanContext{}, trace.SpanKindInternal,
		attribute.String(escrowtrace.AttrEscrowID, c.escrowID), attribute.String(escrowtrace.AttrEscrowPhase, "release"))
	for role, name := range []string{"buyer", "vendor"} {
		sync := b.span("wallet import_multisig_info", root.SpanContext, trace.SpanKindClient,
			attribute.String(escrowtrace.AttrEscrowID, c.escrowID), attribute.String(escrowtrace.AttrEscrowRole, name),
			attribute.String(escrowtrace.AttrRPCMethod, "import_multisig_info"))
		sync.Events = append(sync.Events, sdktrace.Event{Name: escrow.PointPostSync.Name(), Time: b.tick(), Attributes: []attribute.KeyValue{
			attribute.String(escrowtrace.AttrEscrowRole, name),
			attribute.Bool(escrowtrace.AttrSnapshotIsMultisig, true),
			attribute.Int64(escrowtrace.AttrSnapshotBalance, 1e12),
			attribute.Bool(escrowtrace.AttrSnapshotImportNeeded, role == 1),
			attribute.Int64(escrowtrace.AttrSnapshotHeight, 150+int64(role)),
		}})
		b.end(sync)
	}
	sign := b.span("wallet sign_multisig", root.SpanContext, trace.SpanKindClient,
		attribute.String(escrowtrace.AttrEscrowID, c.escrowID), attribute.String(escrowtrace.AttrEscrowRole, "vendor"),
		attribute.String(escrowtrace.AttrEscrowPhase, "release"), attribute.String(escrowtrace.AttrRPCMethod, "sign_multisig"),
		attribute.String(escrowtrace.AttrRPCStatusCode, "-35"), attribute.String(escrowtrace.AttrErrorType, "-35"),
		attribute.String(escrowtrace.AttrErrorKind, string(escrow.KindStaleData)))
	sign.Status = sdktrace.Status{Code: codes.Error, Description: "Signature made with stale data"}
	b.end(sign)
	root.Status = sdktrace.Status{Code: codes.Error, Description: "stale data"}
	root.Events = append(root.Events, sdktrace.Event{Name: escrowtrace.EventErrorFinal, Time: b.tick(), Attributes: []attribute.KeyValue{
		attribute.String(escrowtrace.AttrEscrowRole, "vendor"),
		attribute.String(escrowtrace.AttrEscrowOperation, "sign_multisig"),
		attribute.String(escrowtrace.AttrWalletID, "escrow-"+c.escrowID+"-vendor"),
		attribute.String(escrowtrace.AttrErrorMessage, "vendor: sign_multisig: stale data"),
		attribute.String(escrowtrace.AttrErrorKind, string(escrow.KindStaleData)),
	}})
	root.Attributes = append(root.Attributes, attribute.String(escrowtrace.AttrEscrowOutcome, escrowtrace.OutcomeFailed))
	b.end(root)
	return b.stubs
}

// TestLifecycleAttributesReachTheFile: escrow.phase, escrow.error.kind and the
// payout snapshot attributes become the file's phase, error.kind and snapshot
// fields, the same through the exporter's compact kept spans as through the
// full conversion.
func TestLifecycleAttributesReachTheFile(t *testing.T) {
	var full, kept []escrowtrace.Span
	for _, ro := range lifecycleStubs(escrowCase{escrowID: "life", trace: 9, start: t0}).Snapshots() {
		full = append(full, spanconv.Convert(ro))
		k := spanconv.Keep(ro, false)
		kept = append(kept, k.Span())
	}
	want, err := escrowtrace.Build(full, escrowtrace.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	f, err := escrowtrace.Build(kept, escrowtrace.BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(f, want) {
		t.Errorf("Build of kept spans differs from the full conversion")
	}
	if len(f.Phases) != 2 || f.Phases[0].Name != escrow.PhaseSetup || f.Phases[0].Outcome != escrowtrace.OutcomeSuccess ||
		f.Phases[1].Name != escrow.PhaseRelease || f.Outcome != escrowtrace.OutcomeFailed || f.Error == nil || f.Error.Kind != escrow.KindStaleData {
		t.Fatalf("phases %+v, outcome %s, error %+v", f.Phases, f.Outcome, f.Error)
	}
	var syncs, rpcErrors, finals int
	for _, e := range f.Events {
		switch {
		case e.Type == escrow.PointPostSync.Name():
			syncs++
			s := e.Snapshot
			if e.Phase != escrow.PhaseRelease || s.MultisigImportNeeded == nil || *s.MultisigImportNeeded != (e.Role == "vendor") ||
				s.Height == nil || *s.Height < 150 || *s.Balance != 1e12 {
				t.Errorf("payout snapshot %+v: %+v", e, s)
			}
		case e.Type == escrowtrace.EventRPCCallError:
			rpcErrors++
			if e.Phase == escrow.PhaseRelease && (e.Error.Kind != escrow.KindStaleData || *e.Error.Code != -35) {
				t.Errorf("sign_multisig error = %+v", e.Error)
			}
		case e.Type == escrowtrace.EventErrorFinal:
			finals++
			if e.Error.Kind != escrow.KindStaleData || e.Context.Phase != escrow.PhaseRelease || e.Context.Role != "vendor" {
				t.Errorf("ERROR_FINAL %+v %+v", e.Error, e.Context)
			}
		case e.Time.Before(f.Phases[1].StartedAt) && e.Phase != escrow.PhaseSetup:
			t.Errorf("setup event %s in phase %q", e.Type, e.Phase)
		}
	}
	if syncs != 2 || rpcErrors != 2 || finals != 1 { // the setup's open_wallet failure and the release's
		t.Errorf("%d POST_SYNC, %d RPC errors, %d ERROR_FINAL", syncs, rpcErrors, finals)
	}
	data, err := appendFile(nil, f)
	if err != nil {
		t.Fatal(err)
	}
	if err := escrowtrace.Validate(data); err != nil {
		t.Error(err)
	}
}
