package trace

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	oteltrace "go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// fakeDaemon answers get_height and get_transactions as monerod does (the
// transaction unknown), or HTTP 500 for every call when broken is set; it
// counts the calls it gets.
func fakeDaemon(t *testing.T, broken *atomic.Bool, calls *atomic.Int64) *chain.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		if broken.Load() {
			http.Error(w, "down", http.StatusInternalServerError)
			return
		}
		switch r.URL.Path {
		case "/get_height":
			_ = json.NewEncoder(w).Encode(map[string]any{"height": 77, "status": "OK"})
		case "/get_transactions":
			var req struct {
				Hashes []string `json:"txs_hashes"`
			}
			_ = json.NewDecoder(r.Body).Decode(&req)
			_ = json.NewEncoder(w).Encode(map[string]any{"missed_tx": req.Hashes, "status": "OK"})
		default:
			http.NotFound(w, r)
		}
	}))
	t.Cleanup(srv.Close)
	c, err := chain.NewClient(strings.TrimPrefix(srv.URL, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestDaemonSpans: within a payout phase's span, each daemon call is a
// client span of its own under it, named after the method, with the
// escrow, the phase and the daemon's address, and the transactions it asked
// about by escrow.HashTxID only; a failed call is marked as an error. A call
// outside any span makes no span; with tracing off there is no hook and the
// client is the bare one.
func TestDaemonSpans(t *testing.T) {
	var broken atomic.Bool
	var calls atomic.Int64
	bare := fakeDaemon(t, &broken, &calls)
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	c := bare.WithHook(daemonSpans(tp.Tracer("test")))

	const escrowID = "5b0e1f3a-7c2d-4e8f-9a6b-1c2d3e4f5a6b"
	hash := strings.Repeat("ab12", 16)
	ctx := withPhase(withEscrowID(context.Background(), escrowID), escrow.PhaseRelease)
	ctx, phase := tp.Tracer("test").Start(ctx, "escrow.release")
	if h, err := c.GetHeight(ctx); err != nil || h != 77 {
		t.Fatalf("GetHeight = %d, %v", h, err)
	}
	if st, err := c.Transactions(ctx, hash); err != nil || len(st) != 1 || st[0].Known() {
		t.Fatalf("Transactions = %+v, %v", st, err)
	}
	broken.Store(true)
	if _, err := c.GetHeight(ctx); !errors.Is(err, chain.ErrUnavailable) {
		t.Fatalf("GetHeight on a broken daemon = %v", err)
	}
	broken.Store(false)
	phase.End()
	// Outside any span: the call goes straight through.
	if _, err := c.GetHeight(context.Background()); err != nil {
		t.Fatal(err)
	}

	spans := rec.Ended()
	if len(spans) != 4 {
		t.Fatalf("%d spans, want 3 daemon calls and the phase", len(spans))
	}
	host, port, _ := net.SplitHostPort(bare.Address())
	tests := []struct {
		name    string
		hashed  string
		errored bool
	}{
		{"monerod get_height", "", false},
		{"monerod get_transactions", escrow.HashTxID(hash), false},
		{"monerod get_height", "", true},
	}
	for i, tt := range tests {
		s := spans[i]
		a := attrsOf(s.Attributes())
		if s.Name() != tt.name || s.SpanKind() != oteltrace.SpanKindClient || s.Parent().SpanID() != phase.SpanContext().SpanID() {
			t.Errorf("span %d: %s kind %v parent %v, want %s, a client span under the phase", i, s.Name(), s.SpanKind(), s.Parent().SpanID(), tt.name)
		}
		want := map[string]string{
			AttrDaemonMethod:              strings.TrimPrefix(tt.name, SpanNameDaemonPrefix),
			escrowtrace.AttrEscrowID:      escrowID,
			escrowtrace.AttrEscrowPhase:   "release",
			escrowtrace.AttrServerAddress: host,
			escrowtrace.AttrServerPort:    port,
		}
		if tt.hashed != "" {
			want[AttrTxHashHash] = "[" + strconv.Quote(tt.hashed) + "]"
		}
		for k, v := range want {
			if a[k] != v {
				t.Errorf("span %d (%s): %s = %q, want %q; all %v", i, s.Name(), k, a[k], v, a)
			}
		}
		if _, ok := a[escrowtrace.AttrRPCMethod]; ok {
			t.Errorf("span %d carries rpc.method: the file would take it for a wallet call", i)
		}
		if errored := s.Status().Code.String() == "Error"; errored != tt.errored || tt.errored && a[escrowtrace.AttrErrorType] != errorTypeOther {
			t.Errorf("span %d: status %v, error.type %q; want error %v", i, s.Status(), a[escrowtrace.AttrErrorType], tt.errored)
		}
		for k, v := range a {
			if strings.Contains(v, hash) {
				t.Errorf("span %d: %s holds the transaction hash", i, k)
			}
		}
	}
	if n := calls.Load(); n != 4 {
		t.Errorf("the daemon got %d calls, want 4", n)
	}

	// Tracing off: no hook, the client as it is.
	off, err := Setup(context.Background(), Config{Enabled: false})
	if err != nil {
		t.Fatal(err)
	}
	if h := off.DaemonHook(); h != nil {
		t.Fatal("a disabled Provider has a daemon hook")
	}
	if bare.WithHook(off.DaemonHook()) != bare {
		t.Error("WithHook(nil) is not the client itself")
	}
}
