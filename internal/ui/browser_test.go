package ui

import (
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/escrowd/escrowd/internal/browsertest"
)

// screenshotDir is where the browser test saves its screenshots:
// $ESCROWD_SCREENSHOTS (relative to this package's directory), or a
// temporary directory that the test log names.
func screenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("ESCROWD_SCREENSHOTS"); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	return t.TempDir()
}

// TestBrowser loads the pages in headless Chromium, from a server over the
// fixtures (a success, the shared-mode race failure, and their diff), and
// checks the DOM the browser built, not the bytes the server sent.
func TestBrowser(t *testing.T) {
	browsertest.Chromium(t)
	srv := httptest.NewServer(newServer(t, fixtureSource(t), Options{JaegerUIURL: "http://127.0.0.1:16686"}))
	defer srv.Close()
	dir := screenshotDir(t)
	t.Logf("screenshots in %s", dir)

	tests := []struct {
		name, path, shot string
		height           int
		check            func(t *testing.T, root *html.Node)
	}{
		{"index", "/ui/", "index.png", 640, func(t *testing.T, root *html.Node) {
			if rows := find(root, "tr", "escrow"); len(rows) != 6 {
				t.Errorf("%d escrow rows, want 6", len(rows))
			}
			if len(find(root, "form", "diff")) != 1 {
				t.Error("no diff form")
			}
		}},
		{"success", "/ui/escrow/ok-a", "escrow_success.png", 1150, func(t *testing.T, root *html.Node) {
			checkLanes(t, root, 2)
			// 15 calls: 3 create_wallet, then prepare, make and two
			// exchanges per role. The zoomed view leaves out the two
			// create_wallet calls that ended before round 1 began.
			views := find(root, "svg", "timeline")
			if n := len(find(views[0], "g", "bar ok")); n != 15 {
				t.Errorf("%d ok bars in the whole view, want 15", n)
			}
			if n := len(find(views[1], "g", "bar ok")); n != 13 {
				t.Errorf("%d ok bars in the zoomed view, want 13", n)
			}
			if n := len(find(root, "g", "bar error")); n != 0 {
				t.Errorf("%d error bars in a success", n)
			}
		}},
		{"failure", "/ui/escrow/race-b", "escrow.png", 1100, func(t *testing.T, root *html.Node) {
			checkLanes(t, root, 2)
			errs := find(root, "g", "bar error")
			if len(errs) != 2 || attr(errs[0], "data-method") != "make_multisig" || !strings.Contains(text(errs[0]), "✗ error") {
				t.Errorf("error bars %d, want make_multisig with words in each view", len(errs))
			}
			if a := find(root, "li", "anomaly"); len(a) != 2 || attr(a[0], "data-kind") != "already_multisig_before_round1" {
				t.Errorf("anomalies %d, want already_multisig_before_round1 first", len(a))
			}
		}},
		{"diff", "/ui/diff?a=ok-a&b=race-b", "diff.png", 1300, func(t *testing.T, root *html.Node) {
			checkLanes(t, root, 4)
			div := byID(root, "divergence")
			if div == nil || attr(div, "data-index") != "6" || !strings.Contains(text(div), "first divergence") {
				t.Fatalf("no divergence row at step 6")
			}
			if n := len(find(root, "g", "divergence-mark")); n != 4 {
				t.Errorf("%d divergence marks on the timelines, want 4", n)
			}
			if n := len(find(root, "li", "field-diff")); n != 3 {
				t.Errorf("%d differing fields, want 3", n)
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

// checkLanes wants views timelines, each with the buyer, vendor and arbiter lanes.
func checkLanes(t *testing.T, root *html.Node, views int) {
	t.Helper()
	svgs := find(root, "svg", "timeline")
	if len(svgs) != views {
		t.Fatalf("%d timelines, want %d", len(svgs), views)
	}
	for _, s := range svgs {
		var roles []string
		for _, l := range find(s, "g", "lane") {
			roles = append(roles, attr(l, "data-role"))
		}
		if strings.Join(roles, ",") != "buyer,vendor,arbiter" {
			t.Errorf("lanes %v, want buyer, vendor, arbiter", roles)
		}
	}
}

// find returns the elements named tag whose class attribute is exactly class.
func find(root *html.Node, tag, class string) []*html.Node {
	var out []*html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && n.Data == tag && attr(n, "class") == class {
			out = append(out, n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return out
}

func byID(root *html.Node, id string) *html.Node {
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && attr(n, "id") == id {
			found = n
		}
		for c := n.FirstChild; c != nil && found == nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return found
}
