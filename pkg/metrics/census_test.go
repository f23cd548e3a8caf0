package metrics_test

import (
	"context"
	"sync/atomic"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/metrics"
)

// TestEscrowCensusScraped: each scrape reads the census afresh; every status
// is a series of escrowd_escrows_current, and the oldest payout's age is
// escrowd_payout_in_flight_age_seconds, 0 when none is in flight.
func TestEscrowCensusScraped(t *testing.T) {
	ctx := context.Background()
	rec, err := metrics.Setup(ctx, metrics.Config{Enabled: true, Prometheus: true})
	if err != nil {
		t.Fatal(err)
	}
	defer rec.Shutdown(ctx)
	scrapes := []metrics.Census{
		{ByStatus: map[string]int{"ready": 3, "funded": 1, "paying_out": 2, "released": 7, "failed": 0}, OldestPayoutAge: 930 * time.Second},
		{ByStatus: map[string]int{"ready": 3, "funded": 1, "paying_out": 0, "released": 9, "failed": 0}},
	}
	var calls atomic.Int32
	if err := rec.ObserveEscrows(func(context.Context) (metrics.Census, error) {
		return scrapes[min(int(calls.Add(1))-1, len(scrapes)-1)], nil
	}); err != nil {
		t.Fatal(err)
	}
	for i, c := range scrapes {
		fams := scrape(t, rec.Handler())
		for st, n := range c.ByStatus {
			m := series(fams, "escrowd_escrows_current", map[string]string{"escrow_status": st})
			if m == nil || m.GetGauge().GetValue() != float64(n) {
				t.Errorf("scrape %d: escrowd_escrows_current{escrow_status=%s} = %v, want %d", i, st, m, n)
			}
		}
		m := series(fams, "escrowd_payout_in_flight_age_seconds", nil)
		if m == nil || m.GetGauge().GetValue() != c.OldestPayoutAge.Seconds() {
			t.Errorf("scrape %d: escrowd_payout_in_flight_age_seconds = %v, want %v", i, m, c.OldestPayoutAge.Seconds())
		}
	}
	if n := calls.Load(); n != int32(len(scrapes)) {
		t.Errorf("census read %d times for %d scrapes", n, len(scrapes))
	}
}
