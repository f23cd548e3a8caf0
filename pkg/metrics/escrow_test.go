package metrics_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	dto "github.com/prometheus/client_model/go"
	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/metrics"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
	"github.com/escrowd/escrowd/pkg/trace"
)

var testSecret = []byte("metrics-test-master-secret-of-32-bytes")

// callCounter counts wallet calls by method, beside the metrics middleware:
// what the RPC histogram must have counted.
type callCounter struct {
	mu sync.Mutex
	n  map[string]int
}

func (c *callCounter) middleware(next walletrpc.Invoker) walletrpc.Invoker {
	return func(ctx context.Context, call *walletrpc.Call) error {
		c.mu.Lock()
		c.n[call.Method]++
		c.mu.Unlock()
		return next(ctx, call)
	}
}

func scrape(t *testing.T, h http.Handler) map[string]*dto.MetricFamily {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/metrics", nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET /metrics: %d %s", rec.Code, rec.Body)
	}
	p := expfmt.NewTextParser(model.UTF8Validation)
	fams, err := p.TextToMetricFamilies(rec.Body)
	if err != nil {
		t.Fatalf("parse /metrics: %v", err)
	}
	return fams
}

// series finds the metric of family name whose labels include want.
func series(fams map[string]*dto.MetricFamily, name string, want map[string]string) *dto.Metric {
	f := fams[name]
	if f == nil {
		return nil
	}
next:
	for _, m := range f.GetMetric() {
		labels := map[string]string{}
		for _, l := range m.GetLabel() {
			labels[l.GetName()] = l.GetValue()
		}
		for k, v := range want {
			if labels[k] != v {
				continue next
			}
		}
		return m
	}
	return nil
}

// TestEscrowMetricsScraped runs a real leased escrow and a forced
// shared-mode failure through the recorder (with tracing on, as escrowd
// wires both), then scrapes /metrics and finds each metric with the right
// labels and values.
func TestEscrowMetricsScraped(t *testing.T) {
	sup := wallettest.Start(t, 4)
	ctx := context.Background()
	rec, err := metrics.Setup(ctx, metrics.Config{Enabled: true, Prometheus: true, ServiceVersion: "test"})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Shutdown(ctx)
	tp, err := trace.Setup(ctx, trace.Config{Enabled: true, File: true, FileDir: t.TempDir()})
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(ctx)
	calls := &callCounter{n: map[string]int{}}
	mw := func(next walletrpc.Invoker) walletrpc.Invoker {
		return rec.Middleware()(tp.Middleware()(calls.middleware(next)))
	}

	pool, err := walletpool.NewPool(sup.Servers()[:3], walletpool.PoolOptions{MaxWaiters: 8})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := rec.ObservePool(pool.Stats); err != nil {
		t.Fatal(err)
	}
	if err := rec.ObserveReserve(func() multisig.ReserveStats { return multisig.ReserveStats{Hits: 2, Misses: 5} }); err != nil {
		t.Fatal(err)
	}

	leased, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret,
		Observer: rec.Observer(tp.Observer()), Middleware: mw})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := leased.Run(ctx, multisig.Escrow{ID: uuid.NewString()}); err != nil {
		t.Fatal(err)
	}

	// The shared-mode race: two escrows on one server, held together by a
	// barrier so that their wallets switch under each other.
	srv := sup.Servers()[3]
	shared, err := multisig.New(multisig.Config{Mode: multisig.ModeShared, Server: srv, Secret: testSecret,
		Barrier: multisig.NewBarrier(2, time.Minute), Observer: rec.Observer(tp.Observer()), Middleware: mw})
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range errs {
		wg.Add(1)
		go func() { defer wg.Done(); _, errs[i] = shared.Run(ctx, multisig.Escrow{ID: uuid.NewString()}) }()
	}
	wg.Wait()
	failedByKind := map[string]int{}
	succeeded := 0
	for _, err := range errs {
		if err == nil {
			succeeded++
			continue
		}
		var se *multisig.StepError
		if !errors.As(err, &se) {
			t.Fatalf("shared failure %v is not a StepError", err)
		}
		k, ok := walletrpc.KindOf(err)
		if !ok {
			k = "other"
		}
		failedByKind[string(k)]++
	}
	if len(failedByKind) == 0 {
		t.Fatal("the forced race failed no escrow")
	}

	fams := scrape(t, rec.Handler())

	leasedOK := map[string]string{"escrow_phase": "setup", "escrow_mode": "leased", "escrow_outcome": "success", "escrow_error_kind": ""}
	if m := series(fams, "escrowd_escrows_total", leasedOK); m == nil || m.GetCounter().GetValue() != 1 {
		t.Fatalf("escrowd_escrows_total%v = %v, want 1", leasedOK, m)
	}
	if m := series(fams, "escrowd_escrow_setup_duration_seconds", leasedOK); m == nil ||
		m.GetHistogram().GetSampleCount() != 1 || m.GetHistogram().GetSampleSum() <= 0 {
		t.Fatalf("escrowd_escrow_setup_duration_seconds%v = %v, want one positive sample", leasedOK, m)
	}
	for kind, n := range failedByKind {
		want := map[string]string{"escrow_phase": "setup", "escrow_mode": "shared", "escrow_outcome": "failed", "escrow_error_kind": kind}
		if m := series(fams, "escrowd_escrows_total", want); m == nil || m.GetCounter().GetValue() != float64(n) {
			t.Fatalf("escrowd_escrows_total%v = %v, want %d", want, m, n)
		}
		if m := series(fams, "escrowd_escrow_setup_duration_seconds", want); m == nil || m.GetHistogram().GetSampleCount() != uint64(n) {
			t.Fatalf("escrowd_escrow_setup_duration_seconds%v = %v, want %d samples", want, m, n)
		}
	}
	sharedOK := map[string]string{"escrow_mode": "shared", "escrow_outcome": "success"}
	if m := series(fams, "escrowd_escrows_total", sharedOK); float64(succeeded) != m.GetCounter().GetValue() {
		t.Fatalf("shared successes: metric %v, want %d", m, succeeded)
	}
	if m := series(fams, "escrowd_lease_wait_duration_seconds", map[string]string{"escrow_mode": "leased"}); m == nil ||
		m.GetHistogram().GetSampleCount() != 1 {
		t.Fatalf("lease wait = %v, want one sample (the leased escrow)", m)
	}
	if m := series(fams, "escrowd_lease_wait_duration_seconds", map[string]string{"escrow_mode": "shared"}); m != nil {
		t.Fatalf("shared mode waits for no lease, got %v", m)
	}

	// One histogram sample per wallet call, per method.
	calls.mu.Lock()
	defer calls.mu.Unlock()
	total := uint64(0)
	for method, n := range calls.n {
		m := series(fams, "rpc_client_call_duration_seconds", map[string]string{"rpc_method": method, "rpc_system_name": "jsonrpc"})
		got := uint64(0)
		for _, s := range fams["rpc_client_call_duration_seconds"].GetMetric() {
			for _, l := range s.GetLabel() {
				if l.GetName() == "rpc_method" && l.GetValue() == method {
					got += s.GetHistogram().GetSampleCount()
				}
			}
		}
		if m == nil || got != uint64(n) {
			t.Errorf("rpc_client_call_duration_seconds{rpc_method=%q}: %d samples, want %d calls", method, got, n)
		}
		total += got
	}
	if total == 0 || calls.n["create_wallet"] != 3+6 {
		t.Errorf("calls %v: want create_wallet 3 (leased) + 6 (two shared escrows)", calls.n)
	}
	// A shared failure is a wallet error answer: its code is error.type.
	if failedByKind["already_multisig"] > 0 {
		if m := series(fams, "rpc_client_call_duration_seconds", map[string]string{"error_type": "-28", "rpc_response_status_code": "-28"}); m == nil {
			t.Error("no RPC series with error.type -28 (already multisig)")
		}
	}

	for state, want := range map[string]float64{"busy": 0, "idle": 3, "restarting": 0} {
		if m := series(fams, "escrowd_pool_servers", map[string]string{"escrowd_pool_server_state": state}); m == nil || m.GetGauge().GetValue() != want {
			t.Errorf("escrowd_pool_servers{state=%s} = %v, want %v", state, m, want)
		}
	}
	for result, want := range map[string]float64{"hit": 2, "miss": 5} {
		if m := series(fams, "escrowd_reserve_wallets_total", map[string]string{"escrowd_reserve_result": result}); m == nil || m.GetCounter().GetValue() != want {
			t.Errorf("escrowd_reserve_wallets_total{result=%s} = %v, want %v", result, m, want)
		}
	}
	if m := series(fams, "target_info", map[string]string{"service_name": "escrowd", "service_version": "test"}); m == nil {
		t.Error("target_info does not name the service")
	}
}
