package analysis

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// SlowThreshold decides which calls are slow_rpc anomalies.
//
// With Absolute set, every call longer than it is slow. Otherwise a call is
// slow when it took more than Factor times the median of its method in its
// round in the same file (over all rounds when the round has too few calls); that needs at least MinCalls calls of the method (a median of one
// or two calls says nothing) and the call must take at least Floor, so that
// millisecond jitter on calls of 10-20 ms is never reported.
type SlowThreshold struct {
	Factor   float64
	Absolute time.Duration
	MinCalls int
	Floor    time.Duration
}

// Defaults of the relative rule: 5x the method's median, at least 3 calls of
// the method, never below 50 ms.
const (
	DefaultSlowFactor   = 5.0
	DefaultSlowMinCalls = 3
	DefaultSlowFloor    = 50 * time.Millisecond
)

// DefaultSlow is the threshold used when none is given.
func DefaultSlow() SlowThreshold {
	return SlowThreshold{Factor: DefaultSlowFactor, MinCalls: DefaultSlowMinCalls, Floor: DefaultSlowFloor}
}

// ParseSlow reads the --slow flag: a Go duration ("800ms", "2s") for an
// absolute threshold, or "Nx" ("5x", "2.5x") for N times the method's median
// (with the default minimum count and floor).
func ParseSlow(s string) (SlowThreshold, error) {
	s = strings.TrimSpace(s)
	if f, ok := strings.CutSuffix(s, "x"); ok {
		n, err := strconv.ParseFloat(f, 64)
		if err != nil || !(n > 1) || n > 1e6 {
			return SlowThreshold{}, fmt.Errorf("--slow %q: want a factor above 1 such as 5x", s)
		}
		t := DefaultSlow()
		t.Factor = n
		return t, nil
	}
	d, err := time.ParseDuration(s)
	if err != nil || d <= 0 {
		return SlowThreshold{}, fmt.Errorf("--slow %q: want a duration such as 800ms or a factor such as 5x", s)
	}
	return SlowThreshold{Absolute: d}, nil
}

// String is the threshold in the flag's syntax.
func (t SlowThreshold) String() string {
	if t.Absolute > 0 {
		return t.Absolute.String()
	}
	return strconv.FormatFloat(t.Factor, 'f', -1, 64) + "x"
}

func (t SlowThreshold) orDefault() SlowThreshold {
	if t.Absolute <= 0 && t.Factor <= 0 {
		return DefaultSlow()
	}
	return t
}

func ms(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }
