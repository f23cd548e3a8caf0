package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/trace"
)

// testSecret is the master secret the tests' wallet passwords come from.
var testSecret = []byte("e2e-test-master-secret-of-32-bytes!")

// escrowTimeout bounds one escrow: ~13 s on two idle cores, the rest is room
// for a loaded machine (and -race).
const escrowTimeout = 3 * time.Minute

// skipShort skips the package's tests under -short and checks the wallet
// server is there (wallettest fails a full run without it).
func skipShort(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("end-to-end: real Jaeger and real wallet servers")
	}
	wallettest.Skip(t)
}

// setupTracing is trace.Setup as the daemon calls it, shut down (again) when
// the test ends; a second Shutdown is harmless.
func setupTracing(t *testing.T, cfg trace.Config) *trace.Provider {
	t.Helper()
	p, err := trace.Setup(context.Background(), cfg)
	if err != nil {
		t.Fatalf("trace.Setup: %v", err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
	})
	return p
}

// leased is a leased-mode coordinator over servers with p's hooks, as the
// daemon wires it.
func leased(t *testing.T, p *trace.Provider, servers []*walletpool.Server) *multisig.Coordinator {
	t.Helper()
	pool, err := walletpool.NewPool(servers, walletpool.PoolOptions{MaxWaiters: 8})
	if err != nil {
		t.Fatalf("pool: %v", err)
	}
	t.Cleanup(pool.Close)
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret, Observer: p.Observer(), Middleware: p.Middleware()})
	if err != nil {
		t.Fatalf("coordinator: %v", err)
	}
	return c
}

// readEscrowFile reads escrow_<id>.json from dir with the analyzer's reader.
func readEscrowFile(t *testing.T, dir, escrowID string) *escrowtrace.File {
	t.Helper()
	name, err := escrow.FileName(escrowID)
	if err != nil {
		t.Fatal(err)
	}
	f, err := analysis.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("escrow file: %v", err)
	}
	return f
}

// eventView is what a timeline event must keep through every sink: all of
// it except the time (compared separately, Jaeger keeps microseconds), the
// seq and offset (derived from the order and the times) and the duration
// (derived from the times).
type eventView struct {
	Type     string                    `json:"type"`
	Role     string                    `json:"role,omitempty"`
	Round    int                       `json:"round,omitempty"`
	Method   string                    `json:"method,omitempty"`
	Endpoint string                    `json:"endpoint,omitempty"`
	SpanID   string                    `json:"span_id,omitempty"`
	Error    *escrowtrace.EventError   `json:"error,omitempty"`
	Context  *escrowtrace.ErrorContext `json:"context,omitempty"`
	Snapshot *escrowtrace.Snapshot     `json:"snapshot,omitempty"`
}

func viewOf(e escrowtrace.Event) string {
	b, err := json.Marshal(eventView{
		Type: e.Type, Role: e.Role, Round: e.Round, Method: e.Method, Endpoint: e.Endpoint,
		SpanID: e.SpanID, Error: e.Error, Context: e.Context, Snapshot: e.Snapshot,
	})
	if err != nil {
		panic(err) // plain data: cannot fail
	}
	return string(b)
}

// timeTolerance covers Jaeger's storage: start in microseconds and duration
// in microseconds, each truncated, so an end time may be 1 µs off the
// truncated nanosecond one.
const timeTolerance = 2 * time.Microsecond

// sameTimeline reports how got's timeline differs from want's ("" when it
// does not): the same events in the same order, times within timeTolerance.
func sameTimeline(want, got *escrowtrace.File) string {
	w, g := analysis.NewTimeline(want), analysis.NewTimeline(got)
	if w.EscrowID != g.EscrowID || w.TraceID != g.TraceID || w.Outcome != g.Outcome {
		return fmt.Sprintf("header: escrow %s trace %s outcome %s, want %s %s %s",
			g.EscrowID, g.TraceID, g.Outcome, w.EscrowID, w.TraceID, w.Outcome)
	}
	if (w.Error == nil) != (g.Error == nil) || (w.Error != nil && *w.Error != *g.Error) {
		return fmt.Sprintf("error: %+v, want %+v", g.Error, w.Error)
	}
	if len(w.Events) != len(g.Events) {
		return fmt.Sprintf("%d events, want %d", len(g.Events), len(w.Events))
	}
	for i := range w.Events {
		we, ge := w.Events[i], g.Events[i]
		if a, b := viewOf(ge), viewOf(we); a != b {
			return fmt.Sprintf("event %d:\n got %s\nwant %s", i, a, b)
		}
		if d := ge.Time.Sub(we.Time).Abs(); d > timeTolerance {
			return fmt.Sprintf("event %d (%s): time %s, want %s (off by %v)", i, we.Type,
				ge.Time.Format(time.RFC3339Nano), we.Time.Format(time.RFC3339Nano), d)
		}
	}
	return ""
}
