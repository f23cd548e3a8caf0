package metrics

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"sync"
	"testing"

	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// cannedWallet answers every wallet call with a ready 2-of-3 is_multisig in
// memory, so that a benchmark measures the client and its middleware.
type cannedWallet struct{}

func (cannedWallet) RoundTrip(req *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	id := []byte("0")
	if i := bytes.Index(body, []byte(`"id":`)); i >= 0 {
		rest := body[i+5:]
		if j := bytes.IndexAny(rest, ",}"); j >= 0 {
			id = bytes.TrimSpace(rest[:j])
		}
	}
	answer := `{"id":` + string(id) + `,"jsonrpc":"2.0","result":{"multisig":true,"ready":true,"threshold":2,"total":3}}`
	return &http.Response{StatusCode: http.StatusOK, ProtoMajor: 1, ProtoMinor: 1, Request: req,
		Header: http.Header{"Content-Type": {"application/json"}}, ContentLength: int64(len(answer)),
		Body: io.NopCloser(bytes.NewReader([]byte(answer)))}, nil
}

// mode is one way the wallet client can run: the bare client, metrics off
// (Setup with Enabled false: no middleware), metrics on (the SDK with a
// manual reader, as /metrics reads it).
type mode struct {
	name string
	mw   walletrpc.Middleware
}

func modes(tb testing.TB) []mode {
	tb.Helper()
	off, err := Setup(context.Background(), Config{})
	if err != nil {
		tb.Fatal(err)
	}
	on, err := Setup(context.Background(), Config{Enabled: true, Readers: []sdkmetric.Reader{sdkmetric.NewManualReader()}})
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = on.Shutdown(context.Background()) })
	return []mode{{"bare", nil}, {"off", off.Middleware()}, {"on", on.Middleware()}}
}

// BenchmarkRPCCall is the metrics' cost per wallet RPC call: one
// is_multisig through the client, per mode. Compare with "bare".
func BenchmarkRPCCall(b *testing.B) {
	for _, m := range modes(b) {
		b.Run(m.name, func(b *testing.B) {
			c, err := walletrpc.New(walletrpc.Options{URL: "http://127.0.0.1:18083", HTTPClient: &http.Client{Transport: cannedWallet{}}})
			if err != nil {
				b.Fatal(err)
			}
			if m.mw != nil {
				c = c.With(m.mw)
			}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if _, err := c.IsMultisig(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkRPCMiddleware isolates what each mode puts around a call, around
// an inner invoker that does nothing.
func BenchmarkRPCMiddleware(b *testing.B) {
	inner := func(context.Context, *walletrpc.Call) error { return nil }
	for _, m := range modes(b) {
		b.Run(m.name, func(b *testing.B) {
			invoke := walletrpc.Invoker(inner)
			if m.mw != nil {
				invoke = m.mw(invoke)
			}
			call := &walletrpc.Call{Method: "is_multisig", Endpoint: "127.0.0.1:18083"}
			ctx := context.Background()
			b.ReportAllocs()
			for b.Loop() {
				if err := invoke(ctx, call); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMetricsOffIsFree pins what the benchmarks compare: with metrics off
// there is no middleware, the observer is the one wrapped, and recording
// costs no allocation.
func TestMetricsOffIsFree(t *testing.T) {
	off, err := Setup(context.Background(), ConfigFromEnv(func(string) string { return "" }))
	if err != nil {
		t.Fatal(err)
	}
	if off.Enabled() || off.Middleware() != nil || off.Observer(nil) != nil {
		t.Fatal("metrics off: want no middleware and the wrapped observer")
	}
	ctx := context.Background()
	allocs := testing.AllocsPerRun(100, func() {
		off.EscrowEnded(ctx, "setup", "leased", 1, nil)
		off.LeaseWaited(ctx, "leased", 1)
	})
	if allocs != 0 {
		t.Fatalf("recording with metrics off: %.0f allocations, want 0", allocs)
	}
	var nilRec *Recorder
	if nilRec.Enabled() || nilRec.Middleware() != nil || nilRec.Handler() == nil {
		t.Fatal("a nil Recorder must act as off")
	}
}

func TestChain(t *testing.T) {
	if Chain(nil, nil) != nil {
		t.Fatal("Chain of nils must be nil: the bare path")
	}
	var order []string
	mark := func(name string) walletrpc.Middleware {
		return func(next walletrpc.Invoker) walletrpc.Invoker {
			return func(ctx context.Context, c *walletrpc.Call) error {
				order = append(order, name)
				return next(ctx, c)
			}
		}
	}
	inv := Chain(mark("outer"), nil, mark("inner"))(func(context.Context, *walletrpc.Call) error { return nil })
	_ = inv(context.Background(), &walletrpc.Call{})
	if len(order) != 2 || order[0] != "outer" || order[1] != "inner" {
		t.Fatalf("order %v", order)
	}
}

// TestMiddlewareRecordsEveryCall: calls from many goroutines at once are
// each one sample of rpc.client.call.duration under their method, failed
// ones with error.type.
func TestMiddlewareRecordsEveryCall(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	rec, err := Setup(context.Background(), Config{Enabled: true, Readers: []sdkmetric.Reader{reader}})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Shutdown(context.Background())
	invoke := rec.Middleware()(func(_ context.Context, c *walletrpc.Call) error {
		if c.Method == "make_multisig" {
			return &walletrpc.Error{Code: -28, Message: "This wallet is already multisig"}
		}
		return nil
	})
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 100 {
				m := "is_multisig"
				if (g+i)%4 == 0 {
					m = "make_multisig"
				}
				_ = invoke(context.Background(), &walletrpc.Call{Method: m})
			}
		}()
	}
	wg.Wait()
	var rm metricdata.ResourceMetrics
	if err := reader.Collect(context.Background(), &rm); err != nil {
		t.Fatal(err)
	}
	got := map[string]uint64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != MetricRPCDuration {
				continue
			}
			for _, dp := range m.Data.(metricdata.Histogram[float64]).DataPoints {
				method, _ := dp.Attributes.Value("rpc.method")
				et, _ := dp.Attributes.Value("error.type")
				got[method.AsString()+"/"+et.AsString()] += dp.Count
			}
		}
	}
	if got["is_multisig/"] != 600 || got["make_multisig/-28"] != 200 || len(got) != 2 {
		t.Fatalf("samples %v, want is_multisig 600 and make_multisig with error.type -28 200", got)
	}
}
