package multisig

import (
	"context"
	"net/http/httptest"
	"testing"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// offCoordinator is a coordinator built as escrowd builds it with tracing
// off (Config.Observer nil), on a fake external server that counts the
// wallet calls it receives.
func offCoordinator(tb testing.TB) (*Coordinator, *walletrpc.Client, func() int64) {
	tb.Helper()
	// Only NewExternal's get_version must succeed; a snapshot's call is
	// counted whatever it gets back.
	w := &wallettest.Canned{Results: wallettest.ReadyResults()}
	srv := httptest.NewServer(w)
	tb.Cleanup(srv.Close)
	ext, err := walletpool.NewExternal(context.Background(), walletpool.External{URL: srv.URL})
	if err != nil {
		tb.Fatal(err)
	}
	c, err := New(Config{Mode: ModeShared, Server: ext, Secret: make([]byte, 32)})
	if err != nil {
		tb.Fatal(err)
	}
	base := w.Calls() // NewExternal's get_version is not a snapshot's
	return c, ext.Client(), func() int64 { return w.Calls() - base }
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
	b.ReportMetric(float64(calls())/float64(b.N), "rpc-calls/op")
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
	if n := calls(); n != 0 {
		t.Errorf("tracing off: snapshots made %d wallet calls; want 0", n)
	}
}
