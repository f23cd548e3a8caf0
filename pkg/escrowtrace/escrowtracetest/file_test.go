package escrowtracetest

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// recorder is a testing.TB that records failures instead of ending the test.
type recorder struct {
	testing.TB
	errors []string
	fatal  bool
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, args ...any) {
	r.errors = append(r.errors, format)
}
func (r *recorder) Fatal(args ...any) { r.fatal = true; panic(r) }
func (r *recorder) Fatalf(format string, args ...any) {
	r.errors = append(r.errors, format)
	r.fatal = true
	panic(r)
}

// run calls f with a recorder, catching its Fatal.
func run(t *testing.T, f func(tb testing.TB)) *recorder {
	r := &recorder{TB: t}
	func() {
		defer func() {
			if p := recover(); p != nil && p != r {
				panic(p)
			}
		}()
		f(r)
	}()
	return r
}

func TestReadFileAndCounts(t *testing.T) {
	dir := t.TempDir()
	golden, err := os.ReadFile("../../exporters/jsonfile/testdata/success.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := escrowtrace.Decode(strings.NewReader(string(golden)))
	if err != nil {
		t.Fatal(err)
	}
	path, _ := escrowtrace.Path(dir, f.EscrowID)
	if err := os.WriteFile(path, golden, 0o600); err != nil {
		t.Fatal(err)
	}
	got, data := ReadFile(t, dir, f.EscrowID)
	if got.EscrowID != f.EscrowID || string(data) != string(golden) {
		t.Fatalf("ReadFile = %s, %d bytes", got.EscrowID, len(data))
	}
	n := CountTypes(got)
	if SetupSnapshots(n) != 21 || n[escrowtrace.EventRPCCallStart] == 0 || n[escrowtrace.EventRPCCallStart] != n[escrowtrace.EventRPCCallEnd]+n[escrowtrace.EventRPCCallError] {
		t.Errorf("counts = %v", n)
	}
	if r := run(t, func(tb testing.TB) { CheckRPCPairs(tb, got) }); len(r.errors) != 0 {
		t.Errorf("a complete file has unpaired calls: %v", r.errors)
	}

	// A call without its end is reported.
	for i, e := range got.Events {
		if e.Type == escrowtrace.EventRPCCallEnd {
			got.Events = append(got.Events[:i], got.Events[i+1:]...)
			break
		}
	}
	if r := run(t, func(tb testing.TB) { CheckRPCPairs(tb, got) }); len(r.errors) != 1 {
		t.Errorf("a missing end gives %d errors, want 1", len(r.errors))
	}

	// A file that does not validate, or is missing, ends the test.
	bad := filepath.Join(dir, "escrow_bad.json")
	if err := os.WriteFile(bad, []byte(`{"schema":"escrow-trace/v1"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"bad", "missing", "../x"} {
		if r := run(t, func(tb testing.TB) { ReadFile(tb, dir, id) }); !r.fatal {
			t.Errorf("ReadFile(%q) did not fail the test", id)
		}
	}
}
