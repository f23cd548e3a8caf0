package analysis

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// lifecycleDir holds the lifecycle fixtures, apart from testdata/fixtures so
// that the setup's goldens (stats over that directory among them) stay as
// they are.
var lifecycleDir = filepath.Join("testdata", "lifecycle")

func lifecycleNames() []string {
	var names []string
	for n := range lifecycleFixtures() {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// TestLifecycleFixturesUpToDate keeps testdata/lifecycle equal to
// lifecycle_fixture_test.go and every file valid against the v1 schema.
func TestLifecycleFixturesUpToDate(t *testing.T) {
	for name, f := range lifecycleFixtures() {
		t.Run(name, func(t *testing.T) {
			got, err := json.MarshalIndent(f, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			if err := ValidateSchema(got); err != nil {
				t.Errorf("fixture does not validate: %v", err)
			}
			path := filepath.Join(lifecycleDir, name)
			if *update {
				if err := os.MkdirAll(lifecycleDir, 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(path, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (go test ./analysis -update writes it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s is out of date with lifecycle_fixture_test.go (go test ./analysis -update)", path)
			}
		})
	}
}

func readLifecycle(t *testing.T, name string) *Analysis {
	t.Helper()
	f, err := ReadFile(filepath.Join(lifecycleDir, name))
	if err != nil {
		t.Fatal(err)
	}
	return Analyze(f, Options{})
}

func TestLifecycleGolden(t *testing.T) {
	for _, name := range lifecycleNames() {
		t.Run(name, func(t *testing.T) {
			a := readLifecycle(t, name)
			base := "lifecycle/" + strings.TrimSuffix(name, ".json")
			var buf bytes.Buffer
			if err := WriteTimelineText(&buf, a.Timeline, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, base+".timeline.txt", buf.Bytes())
			buf.Reset()
			if err := WriteAnalysisText(&buf, a, TextOptions{}); err != nil {
				t.Fatal(err)
			}
			golden(t, base+".analyze.txt", buf.Bytes())
			buf.Reset()
			if err := WriteAnalysisJSON(&buf, a); err != nil {
				t.Fatal(err)
			}
			golden(t, base+".analyze.json", buf.Bytes())
		})
	}
}
