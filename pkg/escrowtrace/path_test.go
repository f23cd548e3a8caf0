package escrowtrace

import (
	"path/filepath"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
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

// The deprecated names answer as pkg/escrow does.
func TestDeprecatedWrappers(t *testing.T) {
	for _, id := range []string{"a", "../x", "0B0E7C2E-3F7A-4C1E-9D6A-2A4F1C9E8B11", ""} {
		if ValidEscrowID(id) != escrow.ValidID(id) {
			t.Errorf("ValidEscrowID(%q) differs", id)
		}
		a, errA := TraceIDFor(id)
		b, errB := escrow.TraceIDFor(id)
		if a != b || (errA == nil) != (errB == nil) {
			t.Errorf("TraceIDFor(%q) differs", id)
		}
	}
	for i, p := range escrow.SetupPoints {
		if SnapshotEvents[i] != p.Name() || !IsSnapshotEvent(p.Name()) {
			t.Errorf("SnapshotEvents[%d] = %q, want %q", i, SnapshotEvents[i], p.Name())
		}
	}
	if IsSnapshotEvent(escrow.PointPreSync.Name()) || IsSnapshotEvent("RPC_CALL_START") {
		t.Error("IsSnapshotEvent takes a non-setup name")
	}
}
