package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/escrowd/escrowd/internal/api"
	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/escrows/escrowstest"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/multisig"
)

type fixture struct {
	srv       *httptest.Server
	svc       *escrows.Service
	store     *store.Store
	runner    *escrowstest.Runner
	tracesDir string
	spans     *tracetest.InMemoryExporter
	links     chan context.Context
	ledger    *escrowstest.Ledger
}

type options struct {
	token       string
	maxInFlight int
	tracesDir   bool
	gate        bool
	ready       func() bool
	proxies     []*net.IPNet
	ui          bool
	metrics     http.Handler
	// money gives the service a ledger (payer, faucet, chain); noFaucet
	// leaves its faucet out, as on a network other than regtest.
	money, noFaucet bool
}

func newFixture(t *testing.T, o options) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{runner: escrowstest.New(), links: make(chan context.Context, 100)}
	if o.gate {
		f.runner.Release = make(chan struct{})
	}
	if o.maxInFlight == 0 {
		o.maxInFlight = 8
	}
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "escrowd.db"))
	if err != nil {
		t.Fatal(err)
	}
	f.store = st
	cfg := escrows.Config{Store: st, Runner: f.runner, MaxInFlight: o.maxInFlight,
		Link: func(dst, src context.Context) context.Context {
			select {
			case f.links <- src:
			default:
			}
			return dst
		}}
	if o.money {
		f.ledger = escrowstest.NewLedger()
		cfg.Payer, cfg.Chain, cfg.FundingPoll = f.ledger.Payer(), f.ledger, 10*time.Millisecond
		if !o.noFaucet {
			cfg.Faucet = f.ledger.Faucet()
		}
	}
	f.svc, err = escrows.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if o.money {
		f.ledger.Payer().Journal = multisig.JournalFunc(func(ctx context.Context, id string, rec multisig.PayoutRecord) error {
			return f.svc.Record(ctx, id, rec)
		})
		if err := f.svc.Recover(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if o.tracesDir {
		f.tracesDir = filepath.Join(dir, "traces")
		if err := os.Mkdir(f.tracesDir, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	f.spans = tracetest.NewInMemoryExporter()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(f.spans))
	h, err := api.New(api.Config{Service: f.svc, TracesDir: f.tracesDir, Token: o.token, Ready: o.ready,
		TracerProvider: tp, Propagator: propagation.TraceContext{}, TrustedProxies: o.proxies, UI: o.ui, Metrics: o.metrics})
	if err != nil {
		t.Fatal(err)
	}
	f.srv = httptest.NewServer(h)
	t.Cleanup(func() {
		f.srv.Close()
		if f.runner.Release != nil {
			select {
			case <-f.runner.Release:
			default:
				close(f.runner.Release)
			}
		}
		f.svc.Shutdown(ctx) //nolint:errcheck // runs end once the gate is open
		st.Close()
	})
	return f
}

// do sends a request and decodes a JSON answer into a map.
func (f *fixture) do(t *testing.T, method, path, body string, header http.Header) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, f.srv.URL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if method == http.MethodPost {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			t.Fatalf("%s %s: answer is not a JSON object: %q", method, path, raw)
		}
	}
	return resp, m
}

func (f *fixture) count(t *testing.T) int {
	t.Helper()
	n, err := f.store.Count(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	return n
}
