package main

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata")

// TestSummarizeGolden summarises two -count runs of two benchmark families
// and compares the table with testdata/summary.golden.
func TestSummarizeGolden(t *testing.T) {
	in, err := os.Open(filepath.Join("testdata", "gobench.txt"))
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	rs, err := parseGoBench(in)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	summarize(&got, rs, "bare")
	golden := filepath.Join("testdata", "summary.golden")
	if *update {
		if err := os.WriteFile(golden, got.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("summary differs from %s (rerun with -update after checking):\n%s", golden, got.String())
	}
}

func TestParseGoBenchRejectsBadValue(t *testing.T) {
	_, err := parseGoBench(bytes.NewBufferString("BenchmarkX/a-2  10  1x2 ns/op\n"))
	if err == nil {
		t.Fatal("want an error for a malformed value")
	}
}
