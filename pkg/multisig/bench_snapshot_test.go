package multisig

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// offCoordinator is a coordinator built as escrowd builds it with tracing
// off (Config.Observer nil), on a fake external server that counts the
// wallet calls it receives.
func offCoordinator(tb testing.TB) (*Coordinator, *walletrpc.Client, *atomic.Int64) {
	tb.Helper()
	var calls atomic.Int64
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		_, _ = io.Copy(io.Discard, r.Body)
		// One canned answer: only NewExternal's get_version must succeed; a
		// snapshot's call is counted whatever it gets back.
		_, _ = io.WriteString(w, `{"id":1,"jsonrpc":"2.0","result":{"version":65562}}`)
	}))
	tb.Cleanup(srv.Close)
	ext, err := walletpool.NewExternal(context.Background(), walletpool.External{URL: srv.URL})
	if err != nil {
		tb.Fatal(err)
	}
	c, err := New(Config{Mode: ModeShared, Server: ext, Secret: make([]byte, 32)})
	if err != nil {
		tb.Fatal(err)
	}
	calls.Store(0) // NewExternal's get_version is not a snapshot's
	return c, ext.Client(), &calls
}

// walletSource reads a snapshot with real wallet calls, like a session does.
type walletSource struct{ c *walletrpc.Client }

func (s walletSource) ReadSnapshot(ctx context.Context) Snapshot {
	st, err := s.c.IsMultisig(ctx)
	return Snapshot{IsMultisig: st.Multisig, Ready: st.Ready, Err: err}
}

// BenchmarkSnapshotOff is one snapshot point for one role with tracing off:
// the coordinator's own observer, which must neither call the wallet nor
// allocate (rpc-calls/op and allocs/op both 0).
func BenchmarkSnapshotOff(b *testing.B) {
	c, client, calls := offCoordinator(b)
	src := walletSource{c: client}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		c.obs.Snapshot(ctx, escrow.PointPreRound2, escrow.Buyer, src)
	}
	b.ReportMetric(float64(calls.Load())/float64(b.N), "rpc-calls/op")
}

// TestSnapshotOffCostsNothing: with no Observer configured, each of the seven
// points costs no wallet call and no allocation, for every role.
func TestSnapshotOffCostsNothing(t *testing.T) {
	c, client, calls := offCoordinator(t)
	src := walletSource{c: client}
	ctx := context.Background()
	for _, p := range escrow.SetupPoints {
		for _, r := range escrow.Roles {
			allocs := testing.AllocsPerRun(50, func() { c.obs.Snapshot(ctx, p, r, src) })
			if allocs != 0 {
				t.Errorf("%s %s: %.0f allocations per snapshot with tracing off; want 0", p.Name(), r, allocs)
			}
		}
	}
	if n := calls.Load(); n != 0 {
		t.Errorf("tracing off: snapshots made %d wallet calls; want 0", n)
	}
}
