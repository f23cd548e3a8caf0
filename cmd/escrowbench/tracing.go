package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/trace"
)

// tracingResult compares setups with tracing on and off on one pool.
type tracingResult struct {
	Scenario   string  `json:"scenario"`
	Pairs      int     `json:"pairs"`
	OnMedianS  float64 `json:"on_median_s"`
	OffMedianS float64 `json:"off_median_s"`
	Ratio      float64 `json:"ratio_on_off"`
	// PairRatioMedian is the median of on/off within each adjacent pair:
	// less sensitive to drift in the machine's load than the ratio of medians.
	PairRatioMedian float64   `json:"pair_ratio_median"`
	On              []float64 `json:"on_s"`
	Off             []float64 `json:"off_s"`
	Failures        int       `json:"failures"`
	FileBytesMedian float64   `json:"file_bytes_median"`
	// SnapshotWaitMedianS is the median per escrow of the time the setup
	// waited for snapshots (slowest role per point, summed over the seven
	// points); EndEscrowMedianS the time to end the root span and write the
	// file. Their sum over the off median is the overhead measured directly.
	SnapshotWaitMedianS float64 `json:"snapshot_wait_median_s"`
	EndEscrowMedianS    float64 `json:"end_escrow_median_s"`
	DirectOverhead      float64 `json:"direct_overhead_fraction"`
}

// runTracing runs pairs of escrows, one with tracing on (file exporter, as
// escrowd runs it) and one off, through the same three servers, alternating
// which goes first (on,off,off,on,...) so that drift hits both alike.
func runTracing(ctx context.Context, b *bench, pairs int) (tracingResult, error) {
	res := tracingResult{Scenario: "tracing", Pairs: pairs}
	traceDir := filepath.Join(b.dir, "traces")
	p, err := trace.Setup(ctx, trace.Config{Enabled: true, File: true, FileDir: traceDir, Logger: b.logger})
	if err != nil {
		return res, err
	}
	defer func() { _ = p.Shutdown(context.WithoutCancel(ctx)) }()
	off, _, err := b.coordinator(multisig.ModeLeased, 1, nil)
	if err != nil {
		return res, err
	}
	timing := newTimingObserver(p.Observer())
	on, _, err := b.coordinator(multisig.ModeLeased, 1, func(c *multisig.Config) {
		c.Observer, c.Middleware = timing, p.Middleware()
	})
	if err != nil {
		return res, err
	}
	run := func(c *multisig.Coordinator, kind string) (time.Duration, multisig.Escrow, error) {
		e := b.escrow(kind)
		start := time.Now()
		_, err := c.Run(ctx, e)
		return time.Since(start), e, err
	}
	// One of each first, not counted: the servers' first wallets are slower.
	for _, c := range []*multisig.Coordinator{off, on} {
		if _, e, err := run(c, "warm"); err != nil {
			return res, fmt.Errorf("warm-up escrow %s: %w", e.ID, err)
		}
	}
	timing.take() // forget the warm-up's
	var ratios, sizes, snapWaits, ends []float64
	for i := range pairs {
		order := []bool{true, false}
		if i%2 == 1 {
			order = []bool{false, true}
		}
		var onD, offD time.Duration
		for _, traced := range order {
			c, kind := off, "off"
			if traced {
				c, kind = on, "on"
			}
			d, e, err := run(c, kind)
			if err != nil {
				res.Failures++
				b.logger.Warn("escrow failed", "escrow_id", e.ID, "err", err)
				continue
			}
			if traced {
				onD = d
				res.On = append(res.On, d.Seconds())
				snap, end := timing.take()
				snapWaits, ends = append(snapWaits, snap.Seconds()), append(ends, end.Seconds())
				if fi, err := os.Stat(filepath.Join(traceDir, "escrow_"+e.ID+".json")); err == nil {
					sizes = append(sizes, float64(fi.Size()))
				}
			} else {
				offD = d
				res.Off = append(res.Off, d.Seconds())
			}
		}
		if onD > 0 && offD > 0 {
			ratios = append(ratios, onD.Seconds()/offD.Seconds())
		}
	}
	res.OnMedianS, res.OffMedianS = median(res.On), median(res.Off)
	if res.OffMedianS > 0 {
		res.Ratio = res.OnMedianS / res.OffMedianS
	}
	res.PairRatioMedian = median(ratios)
	res.FileBytesMedian = median(sizes)
	res.SnapshotWaitMedianS, res.EndEscrowMedianS = median(snapWaits), median(ends)
	if res.OffMedianS > 0 {
		res.DirectOverhead = (res.SnapshotWaitMedianS + res.EndEscrowMedianS) / res.OffMedianS
	}
	return res, nil
}
