package escrowtrace

import (
	"path/filepath"
	"testing"
)

func TestPath(t *testing.T) {
	tests := []struct {
		dir, id, want string
		ok            bool
	}{
		{"traces", "order-1842", filepath.Join("traces", "escrow_order-1842.json"), true},
		{"", "a_B-9", "escrow_a_B-9.json", true},
		{"traces", "../x", "", false},
		{"traces", "", "", false},
		{"traces", "a/b", "", false},
	}
	for _, tt := range tests {
		got, err := Path(tt.dir, tt.id)
		if got != tt.want || (err == nil) != tt.ok {
			t.Errorf("Path(%q, %q) = %q, %v; want %q (ok %v)", tt.dir, tt.id, got, err, tt.want, tt.ok)
		}
	}
}
