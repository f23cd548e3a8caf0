package trace

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// sampledPipeline is a provider that records everything, as Setup builds it,
// with the export sampling in front of an in-memory exporter.
type sampledPipeline struct {
	tp       *sdktrace.TracerProvider
	sampling *exportSampling
	out      *tracetest.InMemoryExporter
	obs      *observer
}

func newSampledPipeline(t *testing.T, sampler sdktrace.Sampler, maxHeld int) *sampledPipeline {
	t.Helper()
	out := tracetest.NewInMemoryExporter()
	es := newExportSampling(sampler, maxHeld, nil, sdktrace.NewSimpleSpanProcessor(out))
	tp := sdktrace.NewTracerProvider(sdktrace.WithSampler(sdktrace.AlwaysSample()),
		sdktrace.WithIDGenerator(idGenerator{}), sdktrace.WithSpanProcessor(es))
	t.Cleanup(func() { _ = tp.Shutdown(context.Background()) })
	return &sampledPipeline{tp: tp, sampling: es, out: out, obs: &observer{tracer: tp.Tracer("test"), logger: discard()}}
}

// escrow runs an escrow's spans through the observer as the coordinator
// does: root, two phases with a wallet call each; it fails when fail is set.
// It returns the number of spans it made.
func (p *sampledPipeline) escrow(id string, fail bool) int {
	ctx := p.obs.StartEscrow(context.Background(), escrowFor(id), multisig.ModeLeased)
	mw := rpcSpans(p.tp.Tracer("test"))
	call := mw(func(context.Context, *walletrpc.Call) error { return nil })
	var err error
	for _, ph := range []multisig.Phase{multisig.PhaseCreateWallets, multisig.PhaseRound1} {
		pctx := p.obs.StartPhase(ctx, ph)
		_ = call(pctx, &walletrpc.Call{Method: "is_multisig", Endpoint: "127.0.0.1:1"})
		p.obs.EndPhase(pctx, nil)
	}
	if fail {
		err = errors.New("forced failure")
	}
	p.obs.EndEscrow(ctx, resultFor(""), err)
	return 5
}

// request makes a non-escrow trace of two spans, under parent when valid.
func (p *sampledPipeline) request(parent trace.SpanContext) {
	ctx := context.Background()
	if parent.IsValid() {
		ctx = trace.ContextWithRemoteSpanContext(ctx, parent)
	}
	ctx, req := p.tp.Tracer("test").Start(ctx, "GET /api/escrow")
	_, child := p.tp.Tracer("test").Start(ctx, "store.get")
	child.End()
	req.End()
}

func (p *sampledPipeline) exportedTraces() map[string]int {
	n := map[string]int{}
	for _, s := range p.out.GetSpans() {
		n[s.SpanContext.TraceID().String()]++
	}
	return n
}

func remoteParent(sampled bool) trace.SpanContext {
	var flags trace.TraceFlags
	if sampled {
		flags = trace.FlagsSampled
	}
	return trace.NewSpanContext(trace.SpanContextConfig{
		TraceID: trace.TraceID{1, 2, 3}, SpanID: trace.SpanID{4, 5, 6}, TraceFlags: flags, Remote: true,
	})
}

func TestExportSampling(t *testing.T) {
	const okID, failedID = "00000000-0000-4000-8000-00000000000a", "00000000-0000-4000-8000-00000000000b"
	okTrace, failedTrace := traceIDOf(t, okID), traceIDOf(t, failedID)
	tests := []struct {
		name    string
		sampler string
		arg     string
		parent  trace.SpanContext
		// want: exported spans per kind of trace
		wantOK, wantFailed, wantRequest int
	}{
		{"default keeps all", "", "", trace.SpanContext{}, 5, 5, 2},
		{"always_on keeps all", SamplerAlwaysOn, "", trace.SpanContext{}, 5, 5, 2},
		{"ratio 0 keeps failed escrows only", SamplerTraceIDRatio, "0", trace.SpanContext{}, 0, 5, 0},
		{"ratio 1 keeps all", SamplerTraceIDRatio, "1", trace.SpanContext{}, 5, 5, 2},
		{"parentbased_always_off keeps failed escrows", SamplerParentBasedAlwaysOff, "", trace.SpanContext{}, 0, 5, 0},
		{"remote sampled parent wins over ratio 0", SamplerParentBasedTraceIDRatio, "0", remoteParent(true), 0, 5, 2},
		{"remote unsampled parent wins over always_on root", SamplerParentBasedAlwaysOn, "", remoteParent(false), 5, 5, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := parseSampler(tt.sampler, tt.arg)
			if err != nil {
				t.Fatal(err)
			}
			p := newSampledPipeline(t, s, 100)
			p.escrow(okID, false)
			p.escrow(failedID, true)
			p.request(tt.parent)
			got := p.exportedTraces()
			request := 0
			for id, n := range got {
				if id != okTrace && id != failedTrace {
					request += n
				}
			}
			if got[okTrace] != tt.wantOK || got[failedTrace] != tt.wantFailed || request != tt.wantRequest {
				t.Fatalf("exported: ok escrow %d, failed escrow %d, request %d spans; want %d, %d, %d",
					got[okTrace], got[failedTrace], request, tt.wantOK, tt.wantFailed, tt.wantRequest)
			}
			if p.sampling.held != 0 || len(p.sampling.live) != 0 {
				t.Fatalf("after the escrows ended: %d held, %d live", p.sampling.held, len(p.sampling.live))
			}
		})
	}
}

func traceIDOf(t *testing.T, escrowID string) string {
	t.Helper()
	id, err := TraceID(escrowID)
	if err != nil {
		t.Fatal(err)
	}
	return id.String()
}

// TestExportSamplingBoundsHeldSpans: past maxHeld, spans of running escrows
// are dropped from export and counted; the root and what fit are exported.
func TestExportSamplingBoundsHeldSpans(t *testing.T) {
	p := newSampledPipeline(t, sdktrace.AlwaysSample(), 3)
	made := p.escrow("00000000-0000-4000-8000-00000000000c", true)
	if got, want := len(p.out.GetSpans()), 3+1; got != want {
		t.Fatalf("%d spans exported, want %d (3 held + the root)", got, want)
	}
	if d := p.sampling.Dropped(); d != int64(made-4) {
		t.Fatalf("%d dropped, want %d", d, made-4)
	}
}

// TestExportSamplingShutdownExportsUnfinishedEscrows: an escrow that has not
// ended at shutdown is exported as far as it got.
func TestExportSamplingShutdownExportsUnfinishedEscrows(t *testing.T) {
	// A recorder, not the in-memory exporter: that one forgets on Shutdown.
	rec := tracetest.NewSpanRecorder()
	es := newExportSampling(sdktrace.NeverSample(), 100, nil, rec)
	tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(idGenerator{}), sdktrace.WithSpanProcessor(es))
	obs := &observer{tracer: tp.Tracer("test"), logger: discard()}
	ctx := obs.StartEscrow(context.Background(), escrowFor("00000000-0000-4000-8000-00000000000d"), multisig.ModeLeased)
	pctx := obs.StartPhase(ctx, multisig.PhaseRound1)
	obs.EndPhase(pctx, nil)
	if n := len(rec.Ended()); n != 0 {
		t.Fatalf("%d spans exported while the escrow runs", n)
	}
	if err := tp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := len(rec.Ended()); n != 1 {
		t.Fatalf("%d spans exported at shutdown, want the ended phase", n)
	}
}

func ExampleConfig_sampling() {
	// Export a tenth of the successful escrows and of the requests over
	// OTLP; failed escrows always, and every escrow to its trace file.
	cfg := ConfigFromEnv(func(k string) string {
		return map[string]string{
			"ENABLE_INSTRUMENTATION":  "1",
			"OTEL_TRACES_SAMPLER":     "traceidratio",
			"OTEL_TRACES_SAMPLER_ARG": "0.1",
			"OTEL_TRACES_EXPORTER":    "otlp",
		}[k]
	})
	fmt.Println(cfg.Validate(), cfg.Sampler, cfg.SamplerArg, cfg.OTLP, cfg.File)
	// Output: <nil> traceidratio 0.1 true true
}

// TestExportSamplingConcurrentEscrows: escrows ending on many goroutines at
// once are decided each on its own: exactly the failed ones are exported
// (ratio 0), whole, and nothing stays held.
func TestExportSamplingConcurrentEscrows(t *testing.T) {
	p := newSampledPipeline(t, sdktrace.TraceIDRatioBased(0), 10000)
	const n = 40
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p.escrow(fmt.Sprintf("00000000-0000-4000-8000-%012d", i+1), i%2 == 0)
		}()
	}
	wg.Wait()
	got := p.exportedTraces()
	if len(got) != n/2 {
		t.Fatalf("%d traces exported, want the %d failed ones", len(got), n/2)
	}
	for id, spans := range got {
		if spans != 5 {
			t.Errorf("trace %s: %d spans exported, want 5", id, spans)
		}
	}
	if p.sampling.held != 0 || len(p.sampling.live) != 0 {
		t.Fatalf("%d held, %d live after all escrows ended", p.sampling.held, len(p.sampling.live))
	}
}

// BenchmarkExportSampling is what the export sampling adds per span on top
// of a recording provider: "direct" hands each span straight to the batch
// path's stand-in, "sampled" through the escrow-aware processor (one short
// lock at start and at end, the hold until the escrow's root ends).
func BenchmarkExportSampling(b *testing.B) {
	for _, mode := range []string{"direct", "sampled"} {
		b.Run(mode, func(b *testing.B) {
			var sp sdktrace.SpanProcessor = sdktrace.NewSimpleSpanProcessor(discardExporter{})
			if mode == "sampled" {
				sp = newExportSampling(sdktrace.ParentBased(sdktrace.AlwaysSample()), DefaultMaxHeldSpans, nil, sp)
			}
			tp := sdktrace.NewTracerProvider(sdktrace.WithIDGenerator(idGenerator{}), sdktrace.WithSpanProcessor(sp))
			defer tp.Shutdown(context.Background())
			obs := &observer{tracer: tp.Tracer("bench"), logger: discard()}
			ctx := obs.StartEscrow(context.Background(), escrowFor("00000000-0000-4000-8000-0000000000be"), multisig.ModeLeased)
			ctx = obs.StartPhase(ctx, multisig.PhaseRound2)
			tr := tp.Tracer("bench")
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				_, s := tr.Start(ctx, "is_multisig")
				s.End()
				if n++; n == 80 { // an escrow's worth of spans held, then its end
					b.StopTimer()
					obs.EndPhase(ctx, nil)
					obs.EndEscrow(ctx, resultFor(""), nil)
					ctx = obs.StartEscrow(context.Background(), escrowFor("00000000-0000-4000-8000-0000000000be"), multisig.ModeLeased)
					ctx = obs.StartPhase(ctx, multisig.PhaseRound2)
					n = 0
					b.StartTimer()
				}
			}
		})
	}
}
