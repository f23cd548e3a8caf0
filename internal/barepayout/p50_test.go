package barepayout

import (
	"testing"
	"time"
)

func TestP50(t *testing.T) {
	s := time.Second
	for _, tc := range []struct {
		name string
		in   []time.Duration
		want time.Duration
	}{
		{"empty", nil, 0},
		{"one", []time.Duration{3 * s}, 3 * s},
		{"odd unsorted", []time.Duration{7 * s, 1 * s, 5 * s}, 5 * s},
		{"even takes the upper", []time.Duration{4 * s, 1 * s, 2 * s, 3 * s}, 3 * s},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := append([]time.Duration(nil), tc.in...)
			if got := P50(tc.in); got != tc.want {
				t.Errorf("P50(%v) = %v, want %v", tc.in, got, tc.want)
			}
			for i := range in {
				if in[i] != tc.in[i] {
					t.Fatalf("P50 reordered its input: %v", tc.in)
				}
			}
		})
	}
}
