package main

import (
	"context"
	"errors"
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/escrowd/escrowd/internal/osprobe"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// cell is one mode at one concurrency level.
type cell struct {
	Scenario string `json:"scenario"`
	Mode     string `json:"mode"`
	Level    int    `json:"concurrent"`
	Escrows  int    `json:"escrows"`
	Failures int    `json:"failures"`
	// Cut counts escrows cancelled while still waiting for servers when the
	// cell's time budget ran out: not failures, and not in the latencies.
	Cut    int     `json:"cut_by_budget"`
	WallS  float64 `json:"wall_s"`
	PerMin float64 `json:"escrows_per_min"`
	P50S   float64 `json:"p50_s"`
	P95S   float64 `json:"p95_s"`
	// ServerCPUS is the CPU time of the servers the mode used, per
	// successful escrow; BoundPerMin is what that allows on Cores cores.
	ServerCPUS  float64  `json:"server_cpu_s_per_escrow"`
	SelfCPUS    float64  `json:"self_cpu_s_per_escrow"`
	Cores       int      `json:"cores"`
	BoundPerMin float64  `json:"cpu_bound_per_min"`
	OfBound     float64  `json:"fraction_of_bound"`
	Errors      []string `json:"errors,omitempty"`
}

// runCell runs level workers, each taking perWorker escrows one after the
// other, so that level escrows are in flight until the last ones end. Each
// escrow has its own timeout: shared mode may hang on a switched wallet.
// After budget no escrow starts, and those still waiting for servers are
// cancelled (global-lock mode serialises: ten at once would take ten setups'
// time); the ones set up meanwhile finish.
func runCell(ctx context.Context, b *bench, mode multisig.Mode, level, perWorker int, timeout, budget time.Duration) (cell, error) {
	res := cell{Scenario: "concurrency", Mode: string(mode), Level: level, Cores: runtime.NumCPU()}
	c, used, err := b.coordinator(mode, level, func(cfg *multisig.Config) { cfg.Observer = startedObserver{} })
	if err != nil {
		return res, err
	}
	serverPIDs := pids(used)
	cpu0, err := osprobe.TotalCPUTime(serverPIDs)
	if err != nil {
		return res, err
	}
	self0 := selfCPU()
	var (
		mu        sync.Mutex
		durations []time.Duration
		errs      = map[string]int{}
		wg        sync.WaitGroup
	)
	escrows := make(chan multisig.Escrow, level*perWorker)
	for range level * perWorker {
		escrows <- b.escrow(fmt.Sprintf("%s%d", short(mode), level))
	}
	close(escrows)
	start := time.Now()
	var over atomic.Bool // the budget ran out
	waiting := map[*atomic.Bool]context.CancelFunc{}
	stopWaiting := time.AfterFunc(budget, func() {
		mu.Lock()
		defer mu.Unlock()
		over.Store(true)
		for started, cancel := range waiting {
			if !started.Load() {
				cancel()
			}
		}
	})
	defer stopWaiting.Stop()
	var lastEnd time.Time
	for range level {
		wg.Go(func() {
			for e := range escrows {
				started := new(atomic.Bool)
				ectx, cancel := context.WithTimeout(withStartFlag(ctx, started), timeout)
				mu.Lock()
				if over.Load() {
					res.Cut++
					mu.Unlock()
					cancel()
					continue
				}
				waiting[started] = cancel
				mu.Unlock()
				t := time.Now()
				_, err := c.Run(ectx, e)
				d := time.Since(t)
				cancel()
				mu.Lock()
				delete(waiting, started)
				switch {
				case err != nil && !started.Load() && over.Load():
					res.Cut++
				case err != nil:
					res.Failures++
					errs[errorClass(err)]++
					lastEnd = time.Now()
				default:
					durations = append(durations, d)
					lastEnd = time.Now()
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	wall := lastEnd.Sub(start) // escrows cut by the budget end later, doing nothing
	if wall <= 0 {
		wall = time.Since(start)
	}
	cpu1, err := osprobe.TotalCPUTime(pids(used))
	if err != nil {
		return res, err
	}
	if got := pids(used); !samePIDs(got, serverPIDs) {
		b.logger.Warn("a wallet server restarted during the cell: its CPU time before the restart is lost", "mode", mode, "level", level)
	}
	res.Escrows = level*perWorker - res.Cut
	res.WallS = wall.Seconds()
	ok := len(durations)
	res.PerMin = float64(ok) / wall.Minutes()
	res.P50S = percentile(durations, 50).Seconds()
	res.P95S = percentile(durations, 95).Seconds()
	if ok > 0 {
		res.ServerCPUS = (cpu1 - cpu0).Seconds() / float64(ok)
		res.SelfCPUS = (selfCPU() - self0).Seconds() / float64(ok)
	}
	if res.ServerCPUS > 0 {
		res.BoundPerMin = float64(res.Cores) / res.ServerCPUS * 60
		res.OfBound = res.PerMin / res.BoundPerMin
	}
	for class, n := range errs {
		res.Errors = append(res.Errors, fmt.Sprintf("%dx %s", n, class))
	}
	return res, nil
}

func short(m multisig.Mode) string {
	switch m {
	case multisig.ModeGlobalLock:
		return "lock"
	case multisig.ModeShared:
		return "shared"
	}
	return "leased"
}

func samePIDs(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// errorClass shortens a setup error to its operation and cause, so that a
// cell's failures group into a few lines.
func errorClass(err error) string {
	var se *multisig.StepError
	if errors.As(err, &se) {
		return fmt.Sprintf("%s (round %d): %v", se.Operation, se.Round, rootCause(se.Err))
	}
	return rootCause(err).Error()
}

// rootCause is the innermost error of a chain of single wraps.
func rootCause(err error) error {
	for {
		next := errors.Unwrap(err)
		if next == nil {
			return err
		}
		err = next
	}
}
