package ui

import (
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/escrowd/escrowd/internal/browsertest"
)

// lifecycleFiles are the analyzer's lifecycle fixtures: real regtest files
// and hand-made ones.
const lifecycleFiles = "../../analysis/testdata"

// The real released escrow's ID (its file, analysis/testdata/real/released.json).
const realReleased = "e173e8ed-83f9-4fd8-b843-fd0a0c7027dd"

// lifecycleSource lists escrows in every state of the lifecycle: released
// (a real regtest escrow), failed in its payout (the naive mode's
// import before refresh), funded, paying out, refunded, a status the UI does
// not know yet, and a funded escrow whose payout failed and kept its funds.
func lifecycleSource() *fakeSource {
	at := time.Date(2026, 12, 7, 7, 0, 0, 0, time.UTC)
	return &fakeSource{
		entries: []Entry{
			{EscrowID: realReleased, Status: "released", Traced: true, CreatedAt: at.Add(6 * time.Minute)},
			{EscrowID: "naive", Status: "failed", Error: "release: buyer: transfer: No unlocked balance in the specified account",
				Kind: "not_enough_money", Cause: "import_before_refresh", Traced: true, CreatedAt: at.Add(5 * time.Minute)},
			{EscrowID: "funded-1", Status: "funded", CreatedAt: at.Add(4 * time.Minute)},
			{EscrowID: "paying-1", Status: "paying_out", CreatedAt: at.Add(3 * time.Minute)},
			{EscrowID: "refunded-1", Status: "refunded", CreatedAt: at.Add(2 * time.Minute)},
			{EscrowID: "odd-1", Status: "frozen", CreatedAt: at.Add(time.Minute)},
			{EscrowID: "kept-1", Status: "funded", Error: "release: sign: stale data", Kind: "stale_data", Cause: "stale_multisig_data", CreatedAt: at},
		},
		paths: map[string]string{
			realReleased: filepath.Join(lifecycleFiles, "real", "released.json"),
			"naive":      filepath.Join(lifecycleFiles, "lifecycle", "import_before_refresh.json"),
		},
	}
}

// TestIndexLifecycleStates: the list shows each escrow's lifecycle state in
// words and with its own style, whatever the status string; a payout's
// failure shows its root cause.
func TestIndexLifecycleStates(t *testing.T) {
	e := newServer(t, lifecycleSource(), Options{})
	rec := get(t, e, "/ui/")
	if rec.Code != 200 {
		t.Fatalf("status %d", rec.Code)
	}
	want := map[string]struct{ class, text, kind string }{
		realReleased: {"status paid", "✓ released", "—"},
		"naive":      {"status failed", "✗ failed", "⚠ import_before_refresh"},
		"funded-1":   {"status funded", "◆ funded", "—"},
		"paying-1":   {"status paying", "… paying_out", "—"},
		"refunded-1": {"status paid", "✓ refunded", "—"},
		"odd-1":      {"status other", "… frozen", ""},
		"kept-1":     {"status funded", "◆ funded", "⚠ stale_multisig_data"},
	}
	rows := elements(t, rec.Body.Bytes(), func(n *html.Node) bool { return attr(n, "class") == "escrow" })
	if len(rows) != len(want) {
		t.Fatalf("%d rows, want %d", len(rows), len(want))
	}
	for _, r := range rows {
		id := attr(r, "data-escrow-id")
		w := want[id]
		var status *html.Node
		for _, td := range findAll(r, "td") {
			if strings.HasPrefix(attr(td, "class"), "status ") {
				status = td
			}
		}
		if status == nil || attr(status, "class") != w.class || text(status) != w.text || attr(status, "title") == "" {
			t.Errorf("%s: status cell %q %q, want %q %q with its state in words", id, attr(status, "class"), text(status), w.class, w.text)
		}
		if !strings.Contains(text(r), w.kind) {
			t.Errorf("%s: row %q, want %q", id, text(r), w.kind)
		}
	}
	// The diff form starts on the newest paid-out escrow against the newest failure.
	body := rec.Body.String()
	if !strings.Contains(body, `<option value="`+realReleased+`" selected>`) || !strings.Contains(body, `<option value="naive" selected>`) {
		t.Error("the diff form does not start on the released escrow against the failed one")
	}
}

func findAll(root *html.Node, tag string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

// TestBrowserLifecycle loads the lifecycle pages in headless Chromium: the
// list with each escrow's state, a released escrow (a real regtest file) and
// a failed payout, and checks the DOM the browser built.
func TestBrowserLifecycle(t *testing.T) {
	browsertest.Chromium(t)
	srv := httptest.NewServer(newServer(t, lifecycleSource(), Options{}))
	defer srv.Close()
	dir := screenshotDir(t)
	t.Logf("screenshots in %s", dir)

	tests := []struct {
		name, path, shot string
		height           int
		check            func(t *testing.T, root *html.Node)
	}{
		{"index", "/ui/", "index_lifecycle.png", 520, func(t *testing.T, root *html.Node) {
			classes := map[string]int{}
			for _, td := range findAll(root, "td") {
				classes[attr(td, "class")]++
			}
			if classes["status paid"] != 2 || classes["status funded"] != 2 || classes["status paying"] != 1 || classes["status failed"] != 1 {
				t.Errorf("status cells %v", classes)
			}
		}},
		{"released", "/ui/escrow/" + realReleased, "escrow_released.png", 2200, func(t *testing.T, root *html.Node) {
			checkLifecycle(t, root, "setup,fund,release", 0)
			// The funded amount before the payout, 0 after it.
			before, final := 0, 0
			for _, tr := range findAll(root, "tr") {
				point := attr(tr, "data-point")
				for _, td := range findAll(tr, "td") {
					b := attr(td, "data-balance")
					switch {
					case b == "":
					case point == "SNAPSHOT_PAYOUT_FINAL" && b == "0":
						final++
					case point != "SNAPSHOT_PAYOUT_FINAL" && b != "0":
						before++
					default:
						t.Errorf("%s %s: balance %s", point, attr(td, "data-role"), b)
					}
				}
			}
			// FUNDED x3, PRE_SYNC, POST_SYNC and POST_SIGN of both signers.
			if before != 9 || final != 3 {
				t.Errorf("%d funded balances before the payout's end (want 9), %d zero at PAYOUT_FINAL (want 3)", before, final)
			}
		}},
		{"failed payout", "/ui/escrow/naive", "escrow_naive_payout.png", 2200, func(t *testing.T, root *html.Node) {
			checkLifecycle(t, root, "setup,fund,release", 2)
			if a := find(root, "li", "anomaly"); len(a) == 0 || attr(a[0], "data-kind") != "import_before_refresh" {
				t.Errorf("first anomaly is not import_before_refresh")
			}
			if n := len(find(root, "td", "step-error")); n != 1 {
				t.Errorf("%d failed payout steps, want the transfer's sweep_all", n)
			}
			if n := len(find(root, "td", "balance zero")); n != 4 {
				t.Errorf("%d zero balances, want PRE_SYNC and POST_SYNC of both signers", n)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dom := browsertest.DumpDOM(t, srv.URL+tt.path)
			root, err := html.Parse(strings.NewReader(dom))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, root)
			browsertest.Screenshot(t, srv.URL+tt.path, filepath.Join(dir, tt.shot), 1280, tt.height)
		})
	}
}

// checkLifecycle wants the phase rows in order, a lifecycle timeline with a
// band per phase plus one drawing per payout, each with the three lanes,
// and skipped payout steps (the refresh a naive payout leaves out).
func checkLifecycle(t *testing.T, root *html.Node, phases string, skipped int) {
	t.Helper()
	var got []string
	for _, tr := range find(root, "tr", "phase") {
		got = append(got, attr(tr, "data-phase"))
	}
	if strings.Join(got, ",") != phases {
		t.Errorf("phases %v, want %s", got, phases)
	}
	svgs := find(root, "svg", "timeline")
	if len(svgs) != 2 {
		t.Fatalf("%d timelines, want the lifecycle and the payout", len(svgs))
	}
	var bands []string
	for _, b := range find(svgs[0], "g", "phase-band") {
		bands = append(bands, attr(b, "data-phase"))
	}
	if strings.Join(bands, ",") != phases {
		t.Errorf("phase bands %v, want %s", bands, phases)
	}
	checkLanes(t, root, 2)
	if n := len(find(root, "td", "step-skipped")); n != skipped {
		t.Errorf("%d skipped payout steps, want %d", n, skipped)
	}
	if rows := find(root, "table", "steps-payout"); len(rows) != 1 {
		t.Errorf("%d payout step tables, want 1", len(rows))
	}
}
