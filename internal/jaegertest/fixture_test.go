package jaegertest

import (
	"bytes"
	"encoding/json"
	"flag"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sort"
	"testing"
)

var update = flag.Bool("update", false, "rewrite analysis/testdata/jaeger/v3_sample.json from a live Jaeger answer")

// v3SamplePath is the analyzer's fixture of a real /api/v3/traces answer.
var v3SamplePath = filepath.Join("analysis", "testdata", "jaeger", "v3_sample.json")

// TestV3Sample keeps the analyzer's fixture a true Jaeger answer: -update
// writes the live answer for sendEscrowTrace's trace; otherwise the fixture
// must have the live answer's shape (every JSON path and value type), so a
// Jaeger upgrade that changes the encoding fails here, not in production.
func TestV3Sample(t *testing.T) {
	ctx := testContext(t)
	root, err := repoRoot()
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(root, v3SamplePath)

	j := Start(t)
	sent := sendEscrowTrace(t, j, testEscrowID)
	if _, err := j.WaitTrace(ctx, sent.traceID, sent.spans); err != nil {
		t.Fatal(err)
	}
	live, status, err := j.TraceV3(ctx, sent.traceID)
	if err != nil || status != http.StatusOK {
		t.Fatalf("TraceV3 = %d, %v: %s", status, err, live)
	}

	if *update {
		var pretty bytes.Buffer
		if err := json.Indent(&pretty, live, "", "  "); err != nil {
			t.Fatal(err)
		}
		pretty.WriteByte('\n')
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, pretty.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		t.Logf("wrote %s", path)
	}

	fixture, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run go test ./internal/jaegertest -run TestV3Sample -update)", err)
	}
	want, err := jsonShape(live)
	if err != nil {
		t.Fatalf("live answer: %v", err)
	}
	got, err := jsonShape(fixture)
	if err != nil {
		t.Fatalf("%s: %v", v3SamplePath, err)
	}
	for _, p := range want {
		if !slices.Contains(got, p) {
			t.Errorf("%s lacks %s of the live answer (regenerate with -update)", v3SamplePath, p)
		}
	}
	for _, p := range got {
		if !slices.Contains(want, p) {
			t.Errorf("%s has %s, which the live answer does not (regenerate with -update)", v3SamplePath, p)
		}
	}
}

// jsonShape lists every path of a JSON document with the type found there,
// array indexes collapsed to [], e.g. "result.resourceSpans[].scopeSpans[]
// .spans[].traceId string".
func jsonShape(doc []byte) ([]string, error) {
	var v any
	if err := json.Unmarshal(doc, &v); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	set := map[string]bool{}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			set[path+" object"] = true
			for k, c := range x {
				walk(path+"."+k, c)
			}
		case []any:
			set[path+" array"] = true
			for _, c := range x {
				walk(path+"[]", c)
			}
		case string:
			set[path+" string"] = true
		case float64:
			set[path+" number"] = true
		case bool:
			set[path+" bool"] = true
		case nil:
			set[path+" null"] = true
		}
	}
	walk("", v)
	out := make([]string, 0, len(set))
	for p := range set {
		out = append(out, p)
	}
	sort.Strings(out)
	return out, nil
}
