package escrowtracetest

import (
	"bytes"
	"os"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// ReadFile reads the trace file of escrow escrowID in dir, validates it
// against the v1 schema and decodes it; any failure ends the test. It
// returns the file and its bytes.
func ReadFile(t testing.TB, dir, escrowID string) (*escrowtrace.File, []byte) {
	t.Helper()
	path, err := escrowtrace.Path(dir, escrowID)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("escrow %s: %v", escrowID, err)
	}
	if err := escrowtrace.Validate(data); err != nil {
		t.Fatalf("%s does not validate: %v", path, err)
	}
	f, err := escrowtrace.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return f, data
}

// CountTypes counts the file's events by type.
func CountTypes(f *escrowtrace.File) map[string]int {
	n := map[string]int{}
	for _, e := range f.Events {
		n[e.Type]++
	}
	return n
}

// SetupSnapshots is how many snapshots of the setup's points n (from
// CountTypes) counts: escrow.NumSetupPoints*escrow.Participants for a
// complete setup.
func SetupSnapshots(n map[string]int) int {
	total := 0
	for _, p := range escrow.SetupPoints {
		total += n[p.Name()]
	}
	return total
}

// CheckRPCPairs reports an error for each span that does not have exactly
// one RPC_CALL_START and one RPC_CALL_END or RPC_CALL_ERROR.
func CheckRPCPairs(t testing.TB, f *escrowtrace.File) {
	t.Helper()
	type pair struct{ starts, ends int }
	spans := map[string]*pair{}
	get := func(id string) *pair {
		if spans[id] == nil {
			spans[id] = &pair{}
		}
		return spans[id]
	}
	for _, e := range f.Events {
		switch e.Type {
		case escrowtrace.EventRPCCallStart:
			get(e.SpanID).starts++
		case escrowtrace.EventRPCCallEnd, escrowtrace.EventRPCCallError:
			get(e.SpanID).ends++
		}
	}
	for id, p := range spans {
		if p.starts != 1 || p.ends != 1 {
			t.Errorf("escrow %s span %s: %d starts, %d ends; want one of each", f.EscrowID, id, p.starts, p.ends)
		}
	}
}
