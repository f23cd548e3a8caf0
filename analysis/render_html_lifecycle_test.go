package analysis

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

func lifecyclePage(t *testing.T, name string) (dom, []byte) {
	t.Helper()
	f := readTestFile(t, name)
	page := renderEscrow(t, f, HTMLOptions{IndexURL: "/ui/"})
	return parseDOM(t, page), page
}

// TestLifecycleEscrowHTML: the escrow page of a file beyond the setup shows
// every phase, the lanes over the whole lifecycle with a band per phase
// run, the payout drawn alone, the balance of each wallet at each funding
// and payout snapshot, and the payout's steps; links resolve.
func TestLifecycleEscrowHTML(t *testing.T) {
	tests := []struct {
		name        string
		phases      string // data-phase of the phase rows, in order
		outcome     string
		skipped     int    // payout step cells skipped (no call)
		errCells    int    // payout step cells whose call failed
		zeroBalance int    // balance cells with 0 before the payout's end
		rootCause   string // the failed phase's
	}{
		{"lifecycle/released.json", "setup,fund,release", "success", 0, 0, 0, ""},
		{"lifecycle/import_before_refresh.json", "setup,fund,release", "failed", 2, 1, 4, "import_before_refresh"},
		{"real/released.json", "setup,fund,release", "success", 0, 0, 0, ""},
		{"real/naive_failed_release.json", "setup,fund,release", "failed", 2, 1, 2, "import_before_refresh"},
		{"real/resolved_for_buyer.json", "setup,fund,resolve", "success", 0, 0, 0, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, page := lifecyclePage(t, tt.name)
			checkFragmentLinks(t, d)
			var phases []string
			for _, r := range all(d.root, withClasses("phase")) {
				if r.Data == "tr" {
					phases = append(phases, attr(r, "data-phase"))
				}
			}
			if strings.Join(phases, ",") != tt.phases {
				t.Errorf("phase rows %v, want %s", phases, tt.phases)
			}
			main := all(d.root, func(n *html.Node) bool { return n.Data == "main" })[0]
			if attr(main, "data-outcome") != tt.outcome {
				t.Errorf("outcome %q", attr(main, "data-outcome"))
			}
			svgs := all(d.root, withClasses("timeline"))
			if len(svgs) < 2 {
				t.Fatalf("%d timelines, want the lifecycle and each payout", len(svgs))
			}
			bands := all(svgs[0], withClasses("phase-band"))
			if len(bands) != len(phases) {
				t.Errorf("%d phase bands in the lifecycle view, want %d", len(bands), len(phases))
			}
			for _, svg := range svgs {
				var roles []string
				for _, l := range all(svg, withClasses("lane")) {
					roles = append(roles, attr(l, "data-role"))
				}
				if !strings.HasPrefix(strings.Join(roles, ","), "buyer,vendor,arbiter") {
					t.Errorf("lanes %v", roles)
				}
			}
			count := func(class string) int { return len(all(d.root, withClasses(class))) }
			if n := count("step-skipped"); n != tt.skipped {
				t.Errorf("%d skipped step cells, want %d", n, tt.skipped)
			}
			if n := count("step-error"); n != tt.errCells {
				t.Errorf("%d failed step cells, want %d", n, tt.errCells)
			}
			if n := count("zero"); n != tt.zeroBalance {
				t.Errorf("%d zero balance cells, want %d", n, tt.zeroBalance)
			}
			if len(all(d.root, withClasses("balance"))) == 0 {
				t.Error("no balance cells")
			}
			if tt.rootCause != "" && !bytes.Contains(page, []byte("⚠ "+tt.rootCause)) {
				t.Errorf("root cause %s not shown", tt.rootCause)
			}
			if m := externalRef.Find(page); m != nil {
				t.Errorf("external reference %q", m)
			}
		})
	}
}

func TestLifecycleGoldenHTML(t *testing.T) {
	for _, name := range []string{"released", "import_before_refresh"} {
		_, page := lifecyclePage(t, "lifecycle/"+name+".json")
		golden(t, "lifecycle/"+name+".escrow.html", page)
	}
	var buf bytes.Buffer
	d := Compare(readTestFile(t, "lifecycle/released.json"), readTestFile(t, "lifecycle/import_before_refresh.json"))
	if err := WriteDiffHTML(&buf, d, HTMLOptions{}); err != nil {
		t.Fatal(err)
	}
	golden(t, "lifecycle/diff_released_vs_import_before_refresh.html", buf.Bytes())
	dd := parseDOM(t, buf.Bytes())
	checkFragmentLinks(t, dd)
	if n := len(all(dd.root, withClasses("divergence-mark"))); n < 2 {
		t.Errorf("%d divergence marks, want the whole view's and the release's", n)
	}
}
