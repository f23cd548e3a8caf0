package analysis

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// demoShared lists the demo's shared-mode escrows (testdata/demo/shared_*):
// files escrowd and the race test wrote through the real tracing while
// escrows raced on one real wallet server.
func demoShared(t *testing.T) []string {
	t.Helper()
	paths, err := filepath.Glob(filepath.Join("testdata", "demo", "shared_*.json"))
	if err != nil || len(paths) == 0 {
		t.Fatalf("no shared-mode demo files: %v", err)
	}
	return paths
}

// The demo's failed escrows are named by their root cause, in the analysis
// and in the stats, which attribute every failure to a root-cause kind.
func TestGoldenDemo(t *testing.T) {
	paths := demoShared(t)
	for _, p := range paths {
		name := strings.TrimSuffix(filepath.Base(p), ".json")
		t.Run(name, func(t *testing.T) {
			f, err := ReadFile(p)
			if err != nil {
				t.Fatal(err)
			}
			a := Analyze(f, Options{})
			if f.Outcome == escrowtrace.OutcomeFailed {
				if k := a.RootCause(); k == "" || k == KindRPCError {
					t.Errorf("root cause %q", k)
				}
			}
			var buf bytes.Buffer
			if err := WriteAnalysisText(&buf, a, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, "demo_"+name+".analyze.txt", buf.Bytes())
		})
	}
	s, err := Aggregate(context.Background(), paths, StatsOptions{Workers: 2})
	if err != nil {
		t.Fatal(err)
	}
	if s.Failed == 0 || s.RootCauseShare() != 1 {
		t.Errorf("%d failed, %.0f%% named by a root-cause kind (%v), want all", s.Failed, 100*s.RootCauseShare(), s.FailuresByRootCause)
	}
	var buf bytes.Buffer
	if err := WriteStatsText(&buf, s, TextOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "demo_shared.stats.txt", buf.Bytes())
}
