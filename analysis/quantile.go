package analysis

import (
	"math"
	"sort"
)

// histogram is a streaming quantile sketch: counts in logarithmic buckets,
// each bucket's upper bound histGamma times its lower bound. A quantile read
// from it is within histRelErr of a value the data holds at that rank. Its size
// is bounded by the range of values, not their number (durations from 1 µs to
// a day fill under 1,300 buckets), and it gives the same answer in any input
// order, so stats over a directory are deterministic whatever order the
// workers finish in. (A reservoir would be order dependent.)
type histogram struct {
	counts   map[int]uint64
	zero     uint64 // values at or below histMin
	n        uint64
	min, max float64
}

const (
	histGamma = 1.02
	// histRelErr is the largest relative error of a quantile: (γ-1)/(γ+1).
	histRelErr = (histGamma - 1) / (histGamma + 1)
	histMin    = 1e-3 // ms: below a microsecond, everything is "zero"
)

func newHistogram() *histogram { return &histogram{counts: map[int]uint64{}} }

func (h *histogram) add(v float64) {
	if math.IsNaN(v) || v < 0 {
		v = 0
	}
	if h.n == 0 || v < h.min {
		h.min = v
	}
	if h.n == 0 || v > h.max {
		h.max = v
	}
	h.n++
	if v <= histMin {
		h.zero++
		return
	}
	h.counts[int(math.Ceil(math.Log(v)/math.Log(histGamma)))]++
}

// quantile returns the p-quantile (nearest rank) as the middle of its bucket,
// clamped to the observed range.
func (h *histogram) quantile(p float64) float64 {
	if h.n == 0 {
		return 0
	}
	rank := uint64(math.Ceil(p * float64(h.n)))
	rank = max(1, min(rank, h.n))
	if rank <= h.zero {
		return h.min
	}
	seen := h.zero
	keys := make([]int, 0, len(h.counts))
	for k := range h.counts {
		keys = append(keys, k)
	}
	sort.Ints(keys)
	for _, k := range keys {
		seen += h.counts[k]
		if seen >= rank {
			mid := 2 * math.Pow(histGamma, float64(k)) / (histGamma + 1)
			return math.Max(h.min, math.Min(h.max, mid))
		}
	}
	return h.max
}
