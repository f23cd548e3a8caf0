package analysis_test

import (
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/escrowd/escrowd/analysis"
)

// Write one escrow's page: open it from file:// in any browser, it loads nothing else.
func ExampleWriteEscrowHTML() {
	f, err := analysis.ReadFile("testdata/fixtures/already_multisig_before_round1.json")
	if err != nil {
		log.Fatal(err)
	}
	out := filepath.Join(os.TempDir(), "escrow_race-b.html")
	w, err := os.Create(out)
	if err != nil {
		log.Fatal(err)
	}
	defer os.Remove(out)
	err = analysis.WriteEscrowHTML(w, analysis.Analyze(f, analysis.Options{}), analysis.HTMLOptions{
		JaegerURL: "http://127.0.0.1:16686", // optional: link the trace in Jaeger's UI
	})
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		log.Fatal(err)
	}
	page, _ := os.ReadFile(out)
	fmt.Println(strings.Count(string(page), `<li class="anomaly"`), "anomalies listed")
	fmt.Println(strings.Count(string(page), `class="bar error"`), "failed call drawn per timeline view")
	// Output:
	// 2 anomalies listed
	// 2 failed call drawn per timeline view
}

// Write the page comparing a successful escrow with a failed one; escrowd's
// /ui/diff serves the same page, with links to each escrow's own page.
func ExampleWriteDiffHTML() {
	ok, err := analysis.ReadFile("testdata/fixtures/success.json")
	if err != nil {
		log.Fatal(err)
	}
	failed, err := analysis.ReadFile("testdata/fixtures/already_multisig_before_round1.json")
	if err != nil {
		log.Fatal(err)
	}
	var b strings.Builder
	err = analysis.WriteDiffHTML(&b, analysis.Compare(ok, failed), analysis.HTMLOptions{
		Links: func(escrowID string) string { return "/ui/escrow/" + escrowID },
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(strings.Contains(b.String(), `<tr id="divergence"`), strings.Contains(b.String(), `href="/ui/escrow/race-b"`))
	// Output: true true
}
