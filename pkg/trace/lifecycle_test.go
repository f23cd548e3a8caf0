package trace

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

type snapshotFunc func(context.Context) multisig.Snapshot

func (f snapshotFunc) ReadSnapshot(ctx context.Context) multisig.Snapshot { return f(ctx) }

func valuesOf(kvs []attribute.KeyValue) map[string]attribute.Value {
	m := map[string]attribute.Value{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value
	}
	return m
}

// TestPayoutPhaseSpans: a payout phase is a root span of the escrow's trace
// (its trace ID, escrow.phase, the request's link); its steps are child
// spans named after the phase, and they and its wallet calls carry
// escrow.phase; a payout snapshot carries multisig_import_needed and height;
// a failed payout ends with a failed root and an ERROR_FINAL whose context
// is the payout's (phase, operation, role, wallet, escrow) and whose kind is
// the wallet's. The logs say the phase and nothing of the payout's values.
func TestPayoutPhaseSpans(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(idGenerator{}), sdktrace.WithSpanProcessor(rec))
	var logs bytes.Buffer
	o := &observer{tracer: tp.Tracer("test"), logger: slog.New(slog.NewTextHandler(&logs, nil))}
	const id = "0b6e3c4e-2f0a-4a57-9d0e-8f1f1c1a2b3c"
	reqCtx, req := tp.Tracer("test").Start(context.Background(), "POST /api/escrow/:id/release")
	req.End()

	ctx := o.StartEscrow(LinkRequest(context.Background(), reqCtx), multisig.Escrow{ID: id, Phase: escrow.PhaseRelease}, multisig.ModeNaive)
	sctx := o.StartPhase(ctx, multisig.Phase("sign"))
	call := rpcSpans(tp.Tracer("test"))(func(context.Context, *walletrpc.Call) error {
		return fmt.Errorf("sign: %w", &walletrpc.Error{Code: -35, Message: "Failed to sign multisig tx: This signature was made with stale data"})
	})
	callErr := call(multisig.WithStep(sctx, multisig.Step{EscrowID: id, Role: escrow.Vendor, WalletID: "w-vendor"}), &walletrpc.Call{Method: "sign_multisig", Endpoint: "127.0.0.1:18083"})
	o.Snapshot(sctx, escrow.PointPostSign, escrow.Vendor, snapshotFunc(func(context.Context) multisig.Snapshot {
		return multisig.Snapshot{WalletID: "w-vendor", IsMultisig: true, Balance: 7, Chain: true, MultisigImportNeeded: true, Height: 123}
	}))
	o.EndPhase(sctx, callErr)
	perr := &multisig.PayoutError{EscrowID: id, Phase: escrow.PhaseRelease, Step: "sign", Role: escrow.Vendor, Operation: "sign_multisig", Err: callErr}
	o.EndEscrow(ctx, multisig.Result{Wallets: map[escrow.Role]string{escrow.Vendor: "w-vendor"}}, perr)

	spans := rec.Ended() // request, rpc, step, root
	if len(spans) != 4 {
		t.Fatalf("%d spans", len(spans))
	}
	rpc, step, root := spans[1], spans[2], spans[3]
	wantTrace, _ := TraceID(id)
	for _, s := range spans[1:] {
		if s.SpanContext().TraceID() != wantTrace {
			t.Errorf("%s in trace %s, want the escrow's", s.Name(), s.SpanContext().TraceID())
		}
		if a := valuesOf(s.Attributes()); a[escrowtrace.AttrEscrowPhase].AsString() != "release" {
			t.Errorf("%s: escrow.phase %q", s.Name(), a[escrowtrace.AttrEscrowPhase].AsString())
		}
	}
	if root.Name() != "escrow.release" || root.Parent().IsValid() || len(root.Links()) != 1 || root.Links()[0].SpanContext.SpanID() != req.SpanContext().SpanID() {
		t.Errorf("root %s parent %v links %v", root.Name(), root.Parent(), root.Links())
	}
	if a := valuesOf(root.Attributes()); a[escrowtrace.AttrEscrowID].AsString() != id || a[escrowtrace.AttrEscrowMode].AsString() != "naive" ||
		a[escrowtrace.AttrEscrowOutcome].AsString() != escrowtrace.OutcomeFailed || root.Status().Code != codes.Error {
		t.Errorf("root attributes %v status %v", a, root.Status())
	}
	if step.Name() != "escrow.release.sign" || step.Parent().SpanID() != root.SpanContext().SpanID() || step.Status().Code != codes.Error {
		t.Errorf("step %s parent %v status %v", step.Name(), step.Parent(), step.Status())
	}
	if rpc.Parent().SpanID() != step.SpanContext().SpanID() || valuesOf(rpc.Attributes())[AttrEscrowErrorKind].AsString() != string(escrow.KindStaleData) {
		t.Errorf("rpc span %s parent %v attrs %v", rpc.Name(), rpc.Parent(), rpc.Attributes())
	}
	snap := step.Events()[len(step.Events())-1]
	if a := valuesOf(snap.Attributes); snap.Name != "SNAPSHOT_POST_SIGN" || !a[escrowtrace.AttrSnapshotImportNeeded].AsBool() ||
		a[escrowtrace.AttrSnapshotHeight].AsInt64() != 123 || a[escrowtrace.AttrSnapshotBalance].AsInt64() != 7 {
		t.Errorf("snapshot %s %v", snap.Name, snap.Attributes)
	} else if _, ok := a[escrowtrace.AttrEscrowRound]; ok {
		t.Errorf("payout snapshot with a round: %v", snap.Attributes)
	}
	final := root.Events()[0]
	a := valuesOf(final.Attributes)
	want := map[string]string{
		escrowtrace.AttrEscrowID: id, escrowtrace.AttrEscrowPhase: "release", escrowtrace.AttrEscrowOperation: "sign_multisig",
		escrowtrace.AttrEscrowRole: "vendor", escrowtrace.AttrWalletID: "w-vendor", AttrEscrowErrorKind: string(escrow.KindStaleData), "error.type": "-35",
	}
	for k, v := range want {
		if a[k].AsString() != v {
			t.Errorf("ERROR_FINAL %s = %q, want %q", k, a[k].AsString(), v)
		}
	}
	if final.Name != escrowtrace.EventErrorFinal || !errors.Is(perr, walletrpc.ErrStaleData) {
		t.Errorf("final event %s", final.Name)
	}
	if !bytes.Contains(logs.Bytes(), []byte("phase=release")) {
		t.Errorf("logs: %s", logs.Bytes())
	}

	// The setup's root is as it was: no escrow.phase, named escrow.setup.
	rec2 := tracetest.NewSpanRecorder()
	tp2 := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(idGenerator{}), sdktrace.WithSpanProcessor(rec2))
	o2 := &observer{tracer: tp2.Tracer("test"), logger: discard()}
	sctx2 := o2.StartEscrow(context.Background(), multisig.Escrow{ID: id}, multisig.ModeLeased)
	pctx := o2.StartPhase(sctx2, multisig.PhaseRound1)
	o2.EndPhase(pctx, nil)
	o2.EndEscrow(sctx2, multisig.Result{}, nil)
	for _, s := range rec2.Ended() {
		if _, ok := valuesOf(s.Attributes())[escrowtrace.AttrEscrowPhase]; ok {
			t.Errorf("setup span %s has escrow.phase", s.Name())
		}
	}
	if names := []string{rec2.Ended()[0].Name(), rec2.Ended()[1].Name()}; names[0] != "escrow.round1" || names[1] != escrowtrace.SpanNameEscrow {
		t.Errorf("setup spans %v", names)
	}
}
