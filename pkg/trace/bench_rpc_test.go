package trace

import (
	"context"
	"net/http"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// newCanned is the in-memory wallet the benchmarks call: a ready 2-of-3
// wallet's answers, no socket, so that they measure the client and its
// middleware, not a network or a server.
func newCanned() *wallettest.Canned { return &wallettest.Canned{Results: wallettest.ReadyResults()} }

// discardExporter drops every span: "on" then measures span creation and
// the processor, not an exporter's I/O.
type discardExporter struct{}

func (discardExporter) ExportSpans(context.Context, []sdktrace.ReadOnlySpan) error { return nil }
func (discardExporter) Shutdown(context.Context) error                             { return nil }

// instrumentation is one way the wallet client can run.
type instrumentation struct {
	name string
	// mw is what the coordinator wraps the client in (nil: the bare client).
	mw walletrpc.Middleware
	// obs is the coordinator's observer (nil: tracing off, the coordinator's
	// own no-op observer; package multisig measures that one).
	obs multisig.Observer
	// ctx is the escrow's context: with a recording root span when on.
	ctx context.Context
}

// instrumentations are the modes compared: the uninstrumented client, tracing
// off as production builds it (Setup with Enabled false: nil hooks), the
// span middleware over OpenTelemetry's no-op tracer (what "off" would cost
// were it done with a no-op provider instead of nil hooks), and tracing on
// with a synchronous processor and a discarding exporter.
func instrumentations(tb testing.TB) []instrumentation {
	tb.Helper()
	ctx := multisig.WithStep(context.Background(), multisig.Step{
		EscrowID: "bench", Role: escrow.Buyer, Round: escrow.Round2, WalletID: "escrow-bench-buyer",
	})
	off, err := Setup(ctx, Config{Enabled: false})
	if err != nil {
		tb.Fatal(err)
	}
	on, err := Setup(ctx, Config{Enabled: true, Logger: discard(),
		SpanProcessors: []sdktrace.SpanProcessor{sdktrace.NewSimpleSpanProcessor(discardExporter{})}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = on.Shutdown(context.Background()) })
	onObs := on.Observer()
	onCtx := onObs.StartEscrow(ctx, escrowFor("bench"), multisig.ModeLeased)
	onCtx = onObs.StartPhase(onCtx, multisig.PhaseRound2)
	noopTracer := noop.NewTracerProvider().Tracer(instrumentationName)
	return []instrumentation{
		{name: "bare", ctx: ctx},
		{name: "off", mw: off.Middleware(), obs: off.Observer(), ctx: ctx},
		{name: "noop-tracer", mw: rpcSpans(noopTracer), obs: &observer{tracer: noopTracer, logger: discard()}, ctx: ctx},
		{name: "on", mw: on.Middleware(), obs: onObs, ctx: onCtx},
	}
}

// client builds the wallet client the way the coordinator does: the bare
// client, wrapped only when there is middleware.
func (in instrumentation) client(tb testing.TB, w *wallettest.Canned) *walletrpc.Client {
	tb.Helper()
	raw, err := walletrpc.New(walletrpc.Options{URL: "http://127.0.0.1:18083", HTTPClient: &http.Client{Transport: w}})
	if err != nil {
		tb.Fatal(err)
	}
	if in.mw == nil {
		return raw
	}
	return raw.With(in.mw)
}

// BenchmarkRPCCall is the instrumentation cost per wallet RPC call: one
// is_multisig through the client, per mode (see instrumentations). Compare
// each mode's ns/op, B/op and allocs/op with "bare".
func BenchmarkRPCCall(b *testing.B) {
	for _, in := range instrumentations(b) {
		b.Run(in.name, func(b *testing.B) {
			w := newCanned()
			c := in.client(b, w)
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.IsMultisig(in.ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRPCMiddleware isolates what each mode puts around a call: the
// invoker the client runs, around an inner invoker that does nothing, so
// that tens of nanoseconds are not lost in the HTTP round trip's noise.
// "bare" and "off" run the inner invoker itself (off has no middleware).
func BenchmarkRPCMiddleware(b *testing.B) {
	inner := func(context.Context, *walletrpc.Call) error { return nil }
	for _, in := range instrumentations(b) {
		b.Run(in.name, func(b *testing.B) {
			invoke := walletrpc.Invoker(inner)
			if in.mw != nil {
				invoke = in.mw(invoke)
			}
			call := &walletrpc.Call{Method: "is_multisig", Endpoint: "127.0.0.1:18083"}
			b.ReportAllocs()
			for b.Loop() {
				if err := invoke(in.ctx, call); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// clientSource reads a snapshot as the coordinator's session does: three
// wallet calls on the client without middleware.
type clientSource struct{ c *walletrpc.Client }

func (s clientSource) ReadSnapshot(ctx context.Context) multisig.Snapshot {
	snap := multisig.Snapshot{WalletID: "escrow-bench-buyer"}
	st, err := s.c.IsMultisig(ctx)
	snap.Err = err
	snap.IsMultisig, snap.Ready, snap.Threshold, snap.Total = st.Multisig, st.Ready, st.Threshold, st.Total
	if addr, err := s.c.GetAddress(ctx); err == nil {
		snap.AddressHash = escrow.HashAddress(addr)
	}
	if bal, err := s.c.GetBalance(ctx); err == nil {
		snap.Balance, snap.UnlockedBalance = bal.Balance, bal.UnlockedBalance
	}
	return snap
}

// BenchmarkSnapshot is the cost of one snapshot point for one role through
// the observer: nothing when the span does not record, three wallet calls and
// an event when on. rpc-calls/op counts the wallet calls made. "off" has no
// observer at all (the coordinator then uses its own no-op one, measured in
// package multisig), so it is not listed here.
func BenchmarkSnapshot(b *testing.B) {
	for _, in := range instrumentations(b) {
		if in.obs == nil {
			continue
		}
		b.Run(in.name, func(b *testing.B) {
			w := newCanned()
			src := clientSource{c: in.client(b, w)}
			b.ReportAllocs()
			for b.Loop() {
				in.obs.Snapshot(in.ctx, escrow.PointPreRound2, escrow.Buyer, src)
			}
			b.ReportMetric(float64(w.Calls())/float64(b.N), "rpc-calls/op")
		})
	}
}

// TestInstrumentationOffIsBare pins what the benchmarks compare: tracing off
// hands the coordinator no hooks at all, so a call takes the bare path, and
// the no-op tracer's observer never reads a snapshot. A regression here makes
// "off" cost wallet calls or allocations on every escrow.
func TestInstrumentationOffIsBare(t *testing.T) {
	for _, in := range instrumentations(t) {
		t.Run(in.name, func(t *testing.T) {
			switch in.name {
			case "off":
				if in.mw != nil || in.obs != nil {
					t.Fatalf("tracing off: middleware %v, observer %v; want nil hooks", in.mw != nil, in.obs != nil)
				}
			case "noop-tracer":
				w := newCanned()
				src := clientSource{c: in.client(t, w)}
				allocs := testing.AllocsPerRun(100, func() {
					in.obs.Snapshot(in.ctx, escrow.PointPreRound2, escrow.Buyer, src)
				})
				if n := w.Calls(); n != 0 || allocs != 0 {
					t.Errorf("snapshot with a non-recording span: %d wallet calls, %.0f allocations; want 0 and 0", n, allocs)
				}
			case "on":
				w := newCanned()
				src := clientSource{c: in.client(t, w)}
				in.obs.Snapshot(in.ctx, escrow.PointPreRound2, escrow.Buyer, src)
				if n := w.Calls(); n != 3 {
					t.Errorf("snapshot with tracing on: %d wallet calls; want 3 (is_multisig, get_address, get_balance)", n)
				}
			}
		})
	}
}
