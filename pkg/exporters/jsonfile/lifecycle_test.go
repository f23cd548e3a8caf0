package jsonfile

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
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

// phasedStubs is lifecycleStubs with escrow.phase on every span of the
// release, as escrowd's tracing sets it; n is the number of setup spans.
func phasedStubs(c escrowCase) (stubs tracetest.SpanStubs, n int) {
	stubs = lifecycleStubs(c)
	n = len(escrowStubs(c))
	for i := n; i < len(stubs); i++ {
		if !slices.ContainsFunc(stubs[i].Attributes, func(kv attribute.KeyValue) bool { return kv.Key == escrowtrace.AttrEscrowPhase }) {
			stubs[i].Attributes = append(stubs[i].Attributes, attribute.String(escrowtrace.AttrEscrowPhase, "release"))
		}
	}
	return stubs, n
}

// TestLaterPhaseMergedIntoFile: the setup's file is written when the setup's
// root ends, and rewritten with both phases when the release's root ends
// (in another batch): byte for byte the file of both phases' spans at once,
// valid against the schema. A late span of the setup after that keeps the
// release in the file. With the otlp section the merged file has every span.
func TestLaterPhaseMergedIntoFile(t *testing.T) {
	for _, otlp := range []bool{false, true} {
		t.Run(fmt.Sprintf("otlp=%t", otlp), func(t *testing.T) {
			e, rec := newTestExporter(t, Config{IncludeOTLP: otlp})
			stubs, n := phasedStubs(escrowCase{escrowID: "merged", trace: 11, start: t0})
			spans := stubs.Snapshots()
			ctx := context.Background()
			if err := e.ExportSpans(ctx, spans[1:n]); err != nil { // the setup, its first span late
				t.Fatal(err)
			}
			setupOnly, _ := escrowtracetest.ReadFile(t, e.cfg.Dir, "merged")
			if len(setupOnly.Phases) != 0 || setupOnly.Outcome != escrowtrace.OutcomeSuccess {
				t.Fatalf("after the setup: phases %+v, outcome %s", setupOnly.Phases, setupOnly.Outcome)
			}
			// The release's spans arrive in two batches, its root in the second.
			if err := e.ExportSpans(ctx, spans[n:n+2]); err != nil {
				t.Fatal(err)
			}
			if err := e.ExportSpans(ctx, spans[n+2:]); err != nil {
				t.Fatal(err)
			}
			want := fileOf(t, spans[1:], otlp)
			path := filepath.Join(e.cfg.Dir, "escrow_merged.json")
			got, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("merged file differs from the file of all spans:\n%s\nwant\n%s", got, want)
			}
			if err := escrowtrace.Validate(got); err != nil {
				t.Error(err)
			}
			// A late span of the setup rewrites the setup, the release stays.
			if err := e.ExportSpans(ctx, spans[:1]); err != nil {
				t.Fatal(err)
			}
			got, _ = os.ReadFile(path)
			if want := fileOf(t, spans, otlp); !bytes.Equal(got, want) {
				t.Errorf("after a late setup span:\n%s\nwant\n%s", got, want)
			}
			if n := rec.count("writing"); n != 0 {
				t.Errorf("%d merge warnings logged", n)
			}
		})
	}
}

// TestLaterPhaseWithoutEarlierFile: a phase whose escrow has no file (or an
// unreadable one) is written alone, valid, and said in the log.
func TestLaterPhaseWithoutEarlierFile(t *testing.T) {
	for _, existing := range []string{"", "{not json"} {
		e, rec := newTestExporter(t, Config{})
		if existing != "" {
			if err := os.WriteFile(filepath.Join(e.cfg.Dir, "escrow_alone.json"), []byte(existing), 0o600); err != nil {
				t.Fatal(err)
			}
		}
		stubs, n := phasedStubs(escrowCase{escrowID: "alone", trace: 12, start: t0})
		spans := stubs.Snapshots()
		if err := e.ExportSpans(context.Background(), spans[n:]); err != nil {
			t.Fatal(err)
		}
		f, data := escrowtracetest.ReadFile(t, e.cfg.Dir, "alone")
		if len(f.Phases) != 1 || f.Phases[0].Name != escrow.PhaseRelease || f.Outcome != escrowtrace.OutcomeFailed {
			t.Errorf("existing %q: phases %+v, outcome %s", existing, f.Phases, f.Outcome)
		}
		if err := escrowtrace.Validate(data); err != nil {
			t.Error(err)
		}
		if rec.count("phase alone") != 1 {
			t.Errorf("existing %q: the missing earlier file was not logged once", existing)
		}
	}
}

// fileOf is the file the exporter writes of spans all at once.
func fileOf(t *testing.T, spans []sdktrace.ReadOnlySpan, otlp bool) []byte {
	t.Helper()
	e, _ := newTestExporter(t, Config{IncludeOTLP: otlp})
	if err := e.ExportSpans(context.Background(), spans); err != nil {
		t.Fatal(err)
	}
	var id string
	for _, s := range spans {
		for _, kv := range s.Attributes() {
			if kv.Key == escrowtrace.AttrEscrowID {
				id = kv.Value.AsString()
			}
		}
	}
	data, err := os.ReadFile(filepath.Join(e.cfg.Dir, "escrow_"+id+".json"))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestPhaseAskedAgain: a payout that failed and is asked again after the
// escrow was funded is a second phase of the same name in the file, each
// with its own events, once.
func TestPhaseAskedAgain(t *testing.T) {
	e, _ := newTestExporter(t, Config{})
	stubs, n := phasedStubs(escrowCase{escrowID: "again", trace: 13, start: t0})
	first := stubs.Snapshots()
	// The release again, a minute later: same trace, new span IDs.
	again := slices.Clone(stubs[n:])
	for i := range again {
		s := &again[i]
		shift := time.Minute
		s.StartTime, s.EndTime = s.StartTime.Add(shift), s.EndTime.Add(shift)
		s.SpanContext = s.SpanContext.WithSpanID(trace.SpanID{0xaa, byte(i + 1)})
		if s.Parent.IsValid() {
			s.Parent = s.Parent.WithSpanID(trace.SpanID{0xaa, 1 + byte(slices.IndexFunc(stubs[n:], func(p tracetest.SpanStub) bool {
				return p.SpanContext.SpanID() == stubs[n+i].Parent.SpanID()
			}))})
		}
		events := slices.Clone(s.Events)
		for j := range events {
			events[j].Time = events[j].Time.Add(shift)
		}
		s.Events = events
	}
	// Between them, the escrow is seen funded.
	last := stubs[len(stubs)-1]
	fund := tracetest.SpanStub{
		Name: "escrow.fund", SpanContext: last.SpanContext.WithSpanID(trace.SpanID{0xfd, 1}),
		StartTime: last.EndTime.Add(30 * time.Second), EndTime: last.EndTime.Add(31 * time.Second),
		Attributes: []attribute.KeyValue{attribute.String(escrowtrace.AttrEscrowID, "again"), attribute.String(escrowtrace.AttrEscrowPhase, "fund"),
			attribute.String(escrowtrace.AttrEscrowOutcome, escrowtrace.OutcomeSuccess)},
		Resource: last.Resource, InstrumentationScope: last.InstrumentationScope,
	}
	ctx := context.Background()
	for _, batch := range [][]sdktrace.ReadOnlySpan{first, tracetest.SpanStubs{fund}.Snapshots(), tracetest.SpanStubs(again).Snapshots()} {
		for _, s := range batch { // one span per call, as the synchronous processor sends them
			if err := e.ExportSpans(ctx, []sdktrace.ReadOnlySpan{s}); err != nil {
				t.Fatal(err)
			}
		}
	}
	f, data := escrowtracetest.ReadFile(t, e.cfg.Dir, "again")
	if err := escrowtrace.Validate(data); err != nil {
		t.Error(err)
	}
	var names []escrow.Phase
	for _, p := range f.Phases {
		names = append(names, p.Name)
	}
	if !slices.Equal(names, []escrow.Phase{escrow.PhaseSetup, escrow.PhaseRelease, escrow.PhaseFund, escrow.PhaseRelease}) {
		t.Fatalf("phases %v", names)
	}
	n2 := escrowtracetest.CountTypes(f)
	if n2[escrowtrace.EventErrorFinal] != 2 || n2[escrow.PointPostSync.Name()] != 4 { // one per release
		t.Errorf("event counts %v", n2)
	}
	seen := map[string]int{}
	for _, ev := range f.Events {
		if ev.SpanID != "" && ev.Type == escrowtrace.EventRPCCallStart {
			seen[ev.SpanID]++
		}
	}
	for id, c := range seen {
		if c != 1 {
			t.Errorf("span %s started %d times in the file", id, c)
		}
	}
}

// TestPhasesEndingAtOnce: when two later phases of one escrow end at the
// same time (from two goroutines, for many escrows at once), the file gets
// both: the read-merge-write of an escrow's file is serialised.
func TestPhasesEndingAtOnce(t *testing.T) {
	e, _ := newAsyncExporter(t, Config{})
	ctx := context.Background()
	const escrows = 12
	var wg sync.WaitGroup
	for i := range escrows {
		id := fmt.Sprintf("once-%d", i)
		stubs, n := phasedStubs(escrowCase{escrowID: id, trace: 100 + uint64(i), start: t0})
		spans := stubs.Snapshots()
		if err := e.ExportSpans(ctx, spans[:n]); err != nil {
			t.Fatal(err)
		}
		last := stubs[n-1]
		fund := tracetest.SpanStubs{{
			Name: "escrow.fund", SpanContext: last.SpanContext.WithSpanID(trace.SpanID{0xfd, byte(i + 1)}),
			StartTime: last.EndTime.Add(500 * time.Millisecond), EndTime: last.EndTime.Add(600 * time.Millisecond),
			Attributes: []attribute.KeyValue{attribute.String(escrowtrace.AttrEscrowID, id), attribute.String(escrowtrace.AttrEscrowPhase, "fund"),
				attribute.String(escrowtrace.AttrEscrowOutcome, escrowtrace.OutcomeSuccess)},
			Resource: last.Resource, InstrumentationScope: last.InstrumentationScope,
		}}.Snapshots()
		for _, batch := range [][]sdktrace.ReadOnlySpan{fund, spans[n:]} {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := e.ExportSpans(ctx, batch); err != nil {
					t.Error(err)
				}
			}()
		}
	}
	wg.Wait()
	if err := e.ForceFlush(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range escrows {
		f, data := escrowtracetest.ReadFile(t, e.cfg.Dir, fmt.Sprintf("once-%d", i))
		var names []escrow.Phase
		for _, p := range f.Phases {
			names = append(names, p.Name)
		}
		if !slices.Equal(names, []escrow.Phase{escrow.PhaseSetup, escrow.PhaseFund, escrow.PhaseRelease}) {
			t.Errorf("escrow %d: phases %v", i, names)
		}
		if err := escrowtrace.Validate(data); err != nil {
			t.Error(err)
		}
		escrowtracetest.CheckRPCPairs(t, f)
	}
}
