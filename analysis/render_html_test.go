package analysis

import (
	"bytes"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// dom is a parsed page with the lookups the tests need.
type dom struct{ root *html.Node }

func parseDOM(t *testing.T, page []byte) dom {
	t.Helper()
	n, err := html.Parse(bytes.NewReader(page))
	if err != nil {
		t.Fatalf("parse page: %v", err)
	}
	return dom{n}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	for _, c := range strings.Fields(attr(n, "class")) {
		if c == class {
			return true
		}
	}
	return false
}

// all returns the nodes under n (n included) for which match is true, in
// document order.
func all(n *html.Node, match func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && match(n) {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return out
}

func textOf(n *html.Node) string {
	var b strings.Builder
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(n)
	return b.String()
}

func withClasses(classes ...string) func(*html.Node) bool {
	return func(n *html.Node) bool {
		for _, c := range classes {
			if !hasClass(n, c) {
				return false
			}
		}
		return true
	}
}

// checkFragmentLinks fails on an in-page link whose target does not exist:
// anomaly -> event row, bar -> row, divergence summary -> step.
func checkFragmentLinks(t *testing.T, d dom) {
	t.Helper()
	ids := map[string]bool{}
	for _, n := range all(d.root, func(n *html.Node) bool { return attr(n, "id") != "" }) {
		if ids[attr(n, "id")] {
			t.Errorf("duplicate id %q", attr(n, "id"))
		}
		ids[attr(n, "id")] = true
	}
	for _, a := range all(d.root, func(n *html.Node) bool { return strings.HasPrefix(attr(n, "href"), "#") }) {
		if h := attr(a, "href"); !ids[h[1:]] {
			t.Errorf("link %q has no target", h)
		}
	}
}

func renderEscrow(t *testing.T, f *escrowtrace.File, opts HTMLOptions) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteEscrowHTML(&buf, Analyze(f, Options{}), opts); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func htmlFixture(t *testing.T, name string) *escrowtrace.File {
	t.Helper()
	f, err := ReadFile(filepath.Join("testdata", "fixtures", name))
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func TestEscrowHTMLStructure(t *testing.T) {
	tests := []struct {
		fixture        string
		okBars         int
		errorBars      int
		openBars       int
		snapshots      int
		rounds         int
		anomalyKinds   []string
		outcome        string
		zoomed         bool
		finalErrorMark bool
	}{
		{"success.json", 15, 0, 0, 21, 3, nil, "✓ success", true, false},
		{"already_multisig_before_round1.json", 4, 1, 0, 1, 1,
			[]string{"already_multisig_before_round1", "rpc_error"}, "✗ failed", true, true},
		{"incomplete_trace.json", 10, 0, 1, 9, 2, []string{"incomplete_trace", "incomplete_trace"}, "… incomplete", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			f := htmlFixture(t, tt.fixture)
			page := renderEscrow(t, f, HTMLOptions{})
			d := parseDOM(t, page)
			svgs := all(d.root, withClasses("timeline"))
			if want := 1 + map[bool]int{true: 1}[tt.zoomed]; len(svgs) != want {
				t.Fatalf("%d timelines, want %d (zoomed view: %v)", len(svgs), want, tt.zoomed)
			}
			full := svgs[0]
			var roles []string
			for _, l := range all(full, withClasses("lane")) {
				roles = append(roles, attr(l, "data-role"))
			}
			if got := strings.Join(roles, ","); !strings.HasPrefix(got, "buyer,vendor,arbiter") {
				t.Errorf("lanes %q, want buyer, vendor, arbiter first", got)
			}
			counts := map[string]int{
				"ok": len(all(full, withClasses("bar", "ok"))), "error": len(all(full, withClasses("bar", "error"))),
				"open": len(all(full, withClasses("bar", "open"))), "snapshot": len(all(full, withClasses("snapshot"))),
				"round": len(all(full, withClasses("round"))),
			}
			want := map[string]int{"ok": tt.okBars, "error": tt.errorBars, "open": tt.openBars, "snapshot": tt.snapshots, "round": tt.rounds}
			for k, w := range want {
				if counts[k] != w {
					t.Errorf("%s: %d in the full timeline, want %d", k, counts[k], w)
				}
			}
			// Failure is said in words on the bar or above it, never by colour alone.
			for _, b := range all(full, withClasses("bar", "error")) {
				if !strings.Contains(textOf(b), "✗ error") {
					t.Errorf("error bar without words: %q", textOf(b))
				}
			}
			if got := len(all(full, withClasses("final-error"))) > 0; got != tt.finalErrorMark {
				t.Errorf("final error mark %v, want %v", got, tt.finalErrorMark)
			}
			var kinds []string
			for _, a := range all(d.root, withClasses("anomaly")) {
				kinds = append(kinds, attr(a, "data-kind"))
				if !strings.Contains(textOf(a), "Fix") {
					t.Errorf("anomaly %s without its hint", attr(a, "data-kind"))
				}
			}
			if strings.Join(kinds, ",") != strings.Join(tt.anomalyKinds, ",") {
				t.Errorf("anomalies %v, want %v", kinds, tt.anomalyKinds)
			}
			outcome := all(d.root, func(n *html.Node) bool { return attr(n, "id") == "outcome" })
			if len(outcome) != 1 || textOf(outcome[0]) != tt.outcome {
				t.Errorf("outcome element %v, want text %q", outcome, tt.outcome)
			}
			if rows := all(d.root, withClasses("event")); len(rows) != len(f.Events) {
				t.Errorf("%d event rows, want %d", len(rows), len(f.Events))
			}
			checkFragmentLinks(t, d)
		})
	}
}

func TestEscrowHTMLAnomalyLinksToEvent(t *testing.T) {
	page := renderEscrow(t, htmlFixture(t, "already_multisig_before_round1.json"), HTMLOptions{})
	d := parseDOM(t, page)
	links := all(d.root, withClasses("event-link"))
	if len(links) != 2 || attr(links[0], "href") != "#ev-6" || attr(links[1], "href") != "#ev-10" {
		t.Fatalf("anomaly links %v, want #ev-6 and #ev-10", links)
	}
	row := all(d.root, func(n *html.Node) bool { return attr(n, "id") == "ev-6" })
	if len(row) != 1 || !hasClass(row[0], "flagged") || !strings.Contains(textOf(row[0]), "already_multisig_before_round1") {
		t.Errorf("row ev-6 is not flagged with its anomaly: %q", textOf(row[0]))
	}
	snap := all(d.root, withClasses("snapshot", "flagged"))
	if len(snap) == 0 || !strings.Contains(textOf(snap[0]), "is_multisig: true") {
		t.Errorf("flagged snapshot marker without its fields in the tooltip")
	}
}

func TestDiffHTML(t *testing.T) {
	tests := []struct {
		name, a, b   string
		divergence   int // -1: none
		fields       []string
		verdictWords string
	}{
		{"success_vs_race", "success.json", "already_multisig_before_round1.json", 6,
			[]string{"is_multisig", "threshold", "total"}, "✗ First divergence at step #6"},
		{"success_vs_success_b", "success.json", "success_b.json", -1, nil, "✓ No divergence"},
		{"success_vs_wrong_wallet", "success.json", "wrong_wallet_open.json", 29, nil, "✗ First divergence at step #29"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := Compare(htmlFixture(t, tt.a), htmlFixture(t, tt.b))
			var buf bytes.Buffer
			if err := WriteDiffHTML(&buf, d, HTMLOptions{Links: func(id string) string { return "/ui/escrow/" + id }}); err != nil {
				t.Fatal(err)
			}
			doc := parseDOM(t, buf.Bytes())
			verdict := all(doc.root, func(n *html.Node) bool { return attr(n, "id") == "verdict" })
			if len(verdict) != 1 || !strings.Contains(textOf(verdict[0]), tt.verdictWords) {
				t.Errorf("verdict %q, want %q", textOf(verdict[0]), tt.verdictWords)
			}
			if steps := all(doc.root, withClasses("step")); len(steps) != len(d.Steps) {
				t.Errorf("%d step rows, want %d", len(steps), len(d.Steps))
			}
			div := all(doc.root, func(n *html.Node) bool { return attr(n, "id") == "divergence" })
			marks := all(doc.root, withClasses("divergence-mark"))
			if tt.divergence < 0 {
				if len(div) != 0 || len(marks) != 0 {
					t.Errorf("divergence marked on identical escrows")
				}
			} else {
				if len(div) != 1 || attr(div[0], "data-index") != strconv.Itoa(tt.divergence) || !strings.Contains(textOf(div[0]), "first divergence") {
					t.Fatalf("divergence row %v, want step %d labelled", div, tt.divergence)
				}
				if len(marks) == 0 {
					t.Error("no divergence mark on the timelines")
				}
			}
			var fields []string
			for _, f := range all(doc.root, withClasses("field-diff")) {
				fields = append(fields, attr(f, "data-field"))
			}
			if strings.Join(fields, ",") != strings.Join(tt.fields, ",") {
				t.Errorf("differing fields %v, want %v", fields, tt.fields)
			}
			sides := all(doc.root, func(n *html.Node) bool { return n.Data == "svg" })
			bySide := map[string]int{}
			for _, s := range sides {
				bySide[attr(s, "data-side")]++
				if len(all(s, withClasses("lane"))) < 3 {
					t.Errorf("timeline of side %s has fewer than 3 lanes", attr(s, "data-side"))
				}
			}
			if bySide["a"] == 0 || bySide["a"] != bySide["b"] {
				t.Errorf("timelines per side %v, want the same number for a and b", bySide)
			}
			links := all(doc.root, func(n *html.Node) bool { return attr(n, "href") == "/ui/escrow/"+d.A.EscrowID })
			if len(links) != 1 {
				t.Errorf("%d links to A's page, want 1", len(links))
			}
			checkFragmentLinks(t, doc)
		})
	}
}

// hostileFile is an escrow whose every free-text field tries to break out of
// the page: the file comes from wallet servers and users, not from us.
func hostileFile() *escrowtrace.File {
	const x = `"><script>alert(1)</script><img src=x onerror=alert(2)>`
	code := -1
	dur := 12.0
	start := time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	return &escrowtrace.File{
		Schema: escrowtrace.Schema, EscrowID: "esc" + x, TraceID: "0123456789abcdef0123456789abcdef" + x,
		Service: "svc" + x, StartedAt: start, Outcome: escrowtrace.OutcomeFailed,
		Error: &escrowtrace.FileError{Message: "boom" + x, Role: "buyer", Round: 1, Operation: "make" + x},
		Events: []escrowtrace.Event{
			{Seq: 0, Type: escrowtrace.EventRPCCallStart, OffsetMS: 1, Role: "buyer" + x, Round: 1, Method: "m" + x, SpanID: "01"},
			{Seq: 1, Type: escrowtrace.EventRPCCallError, OffsetMS: 13, Role: "buyer" + x, Round: 1, Method: "m" + x, SpanID: "01",
				DurationMS: &dur, Error: &escrowtrace.EventError{Code: &code, Message: "wallet says" + x}},
			{Seq: 2, Type: escrowtrace.EventSnapshotPreRound1, OffsetMS: 14, Role: "vendor", Round: 1,
				Snapshot: &escrowtrace.Snapshot{WalletID: "w" + x, AddressHash: "h" + x, WalletFileMode: "0666" + x, Error: "snap" + x}},
			{Seq: 3, Type: "CUSTOM" + x, OffsetMS: 15},
			{Seq: 4, Type: escrowtrace.EventErrorFinal, OffsetMS: 16, Role: "buyer", Round: 1,
				Error: &escrowtrace.EventError{Message: "final" + x}, Context: &escrowtrace.ErrorContext{Operation: "op" + x}},
		},
	}
}

func TestHTMLEscapesHostileInput(t *testing.T) {
	f := hostileFile()
	links := func(id string) string { return "javascript:alert(3)//" + id }
	var diff bytes.Buffer
	if err := WriteDiffHTML(&diff, Compare(htmlFixture(t, "success.json"), f), HTMLOptions{Links: links, JaegerURL: "javascript:alert(4)"}); err != nil {
		t.Fatal(err)
	}
	pages := map[string][]byte{
		"escrow": renderEscrow(t, f, HTMLOptions{Title: "t</title><script>x</script>", JaegerURL: "http://jaeger.example:16686/"}),
		"diff":   diff.Bytes(),
	}
	for name, page := range pages {
		t.Run(name, func(t *testing.T) {
			for _, raw := range []string{"<script", "<img", "javascript:"} {
				if bytes.Contains(bytes.ToLower(page), []byte(raw)) {
					t.Errorf("page contains %q unescaped", raw)
				}
			}
			d := parseDOM(t, page)
			if n := all(d.root, func(n *html.Node) bool {
				for _, a := range n.Attr {
					if strings.HasPrefix(a.Key, "on") {
						return true
					}
				}
				return n.Data == "script" || n.Data == "img" || n.Data == "iframe"
			}); len(n) > 0 {
				t.Errorf("hostile input became markup: <%s %v>", n[0].Data, n[0].Attr)
			}
			// Escaped, not dropped: the reader still sees what the file says.
			if !strings.Contains(textOf(d.root), `wallet says"><script>alert(1)</script>`) {
				t.Error("the hostile error message is not shown as text")
			}
		})
	}
	// A Jaeger link is built only from an http(s) base, with the trace ID escaped into its path.
	d := parseDOM(t, pages["escrow"])
	j := all(d.root, withClasses("jaeger"))
	if len(j) != 1 || !strings.HasPrefix(attr(j[0], "href"), "http://jaeger.example:16686/trace/0123456789abcdef0123456789abcdef%22%3E%3Cscript") {
		t.Errorf("jaeger link %v", j)
	}
}

// externalRef finds anything that would make a browser fetch: a URL with a
// scheme, a src attribute, a CSS import or url().
var externalRef = regexp.MustCompile(`(?i)https?://|\bsrc\s*=|@import|url\(|//[a-z0-9.-]+\.[a-z]{2,}/`)

func TestHTMLSelfContained(t *testing.T) {
	const jaeger = "http://127.0.0.1:16686"
	for _, name := range fixtureNames(t) {
		t.Run(name, func(t *testing.T) {
			f := htmlFixture(t, name)
			for _, opts := range []HTMLOptions{{}, {JaegerURL: jaeger}} {
				page := renderEscrow(t, f, opts)
				rest := page
				if opts.JaegerURL != "" {
					// The one allowed URL is the link to the trace, and it is there.
					link := []byte(`href="` + jaeger + "/trace/" + f.TraceID + `"`)
					if !bytes.Contains(page, link) {
						t.Fatalf("no Jaeger link %s", link)
					}
					rest = bytes.ReplaceAll(page, link, nil)
				}
				if m := externalRef.Find(rest); m != nil {
					t.Errorf("external reference %q in the page", m)
				}
			}
			var buf bytes.Buffer
			if err := WriteDiffHTML(&buf, Compare(htmlFixture(t, "success.json"), f), HTMLOptions{}); err != nil {
				t.Fatal(err)
			}
			if m := externalRef.Find(buf.Bytes()); m != nil {
				t.Errorf("external reference %q in the diff page", m)
			}
		})
	}
}

func TestGoldenHTML(t *testing.T) {
	opts := HTMLOptions{JaegerURL: "http://127.0.0.1:16686", IndexURL: "/ui/", Links: func(id string) string { return "/ui/escrow/" + id }}
	for _, tt := range []struct{ golden, fixture string }{
		{"success.escrow.html", "success.json"},
		{"already_multisig_before_round1.escrow.html", "already_multisig_before_round1.json"},
	} {
		golden(t, tt.golden, renderEscrow(t, htmlFixture(t, tt.fixture), opts))
	}
	var buf bytes.Buffer
	if err := WriteDiffHTML(&buf, Compare(htmlFixture(t, "success.json"), htmlFixture(t, "already_multisig_before_round1.json")), opts); err != nil {
		t.Fatal(err)
	}
	golden(t, "diff_success_vs_race.html", buf.Bytes())
}

func TestAxisTicks(t *testing.T) {
	id := func(v float64) float64 { return v }
	tests := []struct {
		start, span float64
		first, last string
		n           int
	}{
		{0, 15225, "0 s", "14 s", 8},
		{10554, 10641, "10560 ms", "10640 ms", 9},
		{0, 1, "0 ms", "1 ms", 2},
	}
	for _, tt := range tests {
		ticks := axisTicks(tt.start, tt.span, id)
		if len(ticks) != tt.n || ticks[0].Label != tt.first || ticks[len(ticks)-1].Label != tt.last {
			t.Errorf("axisTicks(%v, %v) = %d ticks %q..%q, want %d %q..%q", tt.start, tt.span, len(ticks),
				ticks[0].Label, ticks[len(ticks)-1].Label, tt.n, tt.first, tt.last)
		}
	}
}

// On the escrow page, the points a failed escrow never got to are "not
// reached" (neutral); red "missing" is for a success without them.
func TestSnapshotCellsNotReached(t *testing.T) {
	tests := []struct {
		fixture             string
		notReached, missing int
	}{
		// The buyer failed at make_multisig after PRE_ROUND1: 6 + 7 + 7 points never reached.
		{"already_multisig_before_round1.json", 20, 0},
		{"wrong_wallet_open.json", 3 + 4 + 5, 0}, // the vendor failed in round 2
		{"missing_snapshot.json", 0, 2},
		{"success.json", 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.fixture, func(t *testing.T) {
			page := string(renderEscrow(t, htmlFixture(t, tt.fixture), HTMLOptions{}))
			if n := strings.Count(page, `<td class="not-reached">not reached</td>`); n != tt.notReached {
				t.Errorf("%d cells not reached, want %d", n, tt.notReached)
			}
			if n := strings.Count(page, `<td class="missing">`); n != tt.missing {
				t.Errorf("%d cells missing, want %d", n, tt.missing)
			}
		})
	}
}
