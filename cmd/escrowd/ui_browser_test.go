package main

import (
	"fmt"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/internal/browsertest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// jaegerUI is the Jaeger UI the daemon is told about; nothing listens there,
// the pages only link to it.
const jaegerUI = "http://127.0.0.1:16686"

// uiScreenshotDir is where TestUIBrowser saves its screenshots:
// $ESCROWD_SCREENSHOTS_DIR (relative to this package's directory), kept, or
// a temporary directory.
func uiScreenshotDir(t *testing.T) string {
	t.Helper()
	if d := os.Getenv("ESCROWD_SCREENSHOTS_DIR"); d != "" {
		abs, err := filepath.Abs(d)
		if err != nil {
			t.Fatal(err)
		}
		return abs
	}
	return t.TempDir()
}

// TestUIBrowser runs the real escrowd twice on one data and traces directory:
// first in shared mode with the barrier forcing the race, so that two
// concurrent escrows produce a real failure, then restarted in leased mode
// for a real success. Headless Chromium then loads the pages from the running
// daemon, and the test checks the DOM the browser built against the trace
// files the daemon wrote. A last restart with ESCROWD_API_TOKEN checks that
// the pages then need the token: the browser gets the login form.
func TestUIBrowser(t *testing.T) {
	needWalletRPC(t)
	browsertest.Chromium(t)
	start := time.Now()
	dir := t.TempDir()
	traces := filepath.Join(dir, "traces")
	shots := uiScreenshotDir(t)
	t.Logf("screenshots in %s", shots)
	t.Setenv("ENABLE_INSTRUMENTATION", "1")

	// 1. Shared mode, two escrows lined up at each step: the race.
	d := startDaemon(t, dir, "--mode", "shared", "--shared-barrier", "2", "--jaeger-ui", jaegerUI)
	shared := make([]map[string]any, 2)
	var wg sync.WaitGroup
	for i := range shared {
		wg.Go(func() {
			body := fmt.Sprintf(`{"buyer_id":"race-buyer%d","vendor_id":"race-vendor%d","amount":1000000000000}`, i, i)
			code, m, err := d.call(http.MethodPost, "/api/escrow/init?wait=4m", body)
			if err != nil || code != http.StatusOK {
				t.Errorf("shared escrow %d: %d %v %v", i, code, m, err)
			}
			shared[i] = m
		})
	}
	wg.Wait()
	if t.Failed() {
		t.FailNow()
	}
	d.stop(syscall.SIGTERM)
	// Often both fail; the pages show the first to fail, the race's
	// victim in round 1, whose trace is the shorter.
	var failed map[string]any
	var failedFile *escrowtrace.File
	for _, m := range shared {
		if m["status"] != "failed" {
			continue
		}
		if f := traceFile(t, traces, m["escrow_id"].(string)); failedFile == nil || len(f.Events) < len(failedFile.Events) {
			failed, failedFile = m, f
		}
	}
	if failed == nil {
		t.Fatalf("the forced shared-mode race failed no escrow: %v", shared)
	}
	failedID := failed["escrow_id"].(string)
	t.Logf("shared mode: %s failed (%v) after %s", failedID, failed["error"], time.Since(start).Round(time.Second))

	// 2. Restart in the default leased mode on the same directories. No
	// reserve: the escrow creates its own wallets, as the shared ones did,
	// so that the diff lines them up from the first call.
	d = startDaemon(t, dir, "--pool-size", "3", "--reserve", "0", "--jaeger-ui", jaegerUI)
	code, ok := d.mustCall(http.MethodPost, "/api/escrow/init?wait=4m", `{"buyer_id":"ok-buyer","vendor_id":"ok-vendor","amount":1000000000000}`)
	if code != http.StatusOK || ok["status"] != "ready" {
		t.Fatalf("leased escrow: %d %v", code, ok)
	}
	okID := ok["escrow_id"].(string)
	t.Logf("leased mode: %s ready after %s", okID, time.Since(start).Round(time.Second))

	okFile := traceFile(t, traces, okID)
	failedAn := analysis.Analyze(failedFile, analysis.Options{})
	// The list shows what escrowd stored when the escrow failed: the root
	// cause its trace shows (analysis.RootCause), never read again per row.
	kind := string(failedAn.RootCause())
	if kind == "" {
		t.Fatalf("the failed escrow's trace names no root cause")
	}

	tests := []struct {
		name, path, shot string
		height           int
		check            func(t *testing.T, root *html.Node)
	}{
		{"index", "/ui/", "index.png", 520, func(t *testing.T, root *html.Node) {
			rows := nodes(root, "tr", "escrow")
			if len(rows) != 3 || attrOf(rows[0], "data-escrow-id") != okID {
				t.Fatalf("%d rows, first %q; want 3, newest (%s) first", len(rows), attrOf(rows[0], "data-escrow-id"), okID)
			}
			byRow := map[string]*html.Node{}
			for _, r := range rows {
				byRow[attrOf(r, "data-escrow-id")] = r
			}
			for _, m := range shared {
				r := byRow[m["escrow_id"].(string)]
				if r == nil || attrOf(r, "data-status") != m["status"] {
					t.Errorf("row of shared escrow %v: %v", m["escrow_id"], r)
				}
			}
			f := byRow[failedID]
			if s := textOf(nodes(f, "td", "status failed")...); s != "✗ failed" {
				t.Errorf("failed row status %q", s)
			}
			if s := textOf(nodes(f, "span", "kind")...); s != "⚠ "+kind {
				t.Errorf("failed row kind %q, want ⚠ %s", s, kind)
			}
			if s := textOf(nodes(f, "td", "error")...); s == "" || !strings.Contains(failed["error"].(string), strings.TrimSuffix(s, "…")) {
				t.Errorf("failed row error %q, want the stored %q", s, failed["error"])
			}
			o := byRow[okID]
			if s := textOf(nodes(o, "td", "status ready")...); s != "✓ ready" {
				t.Errorf("ok row status %q", s)
			}
			if s := textOf(nodes(o, "span", "muted")...); !strings.HasPrefix(s, "—") {
				t.Errorf("ok row failure kind %q, want —", s)
			}
			if links := nodes(o, "a", "jaeger"); len(links) != 1 || attrOf(links[0], "href") != jaegerUI+"/trace/"+okFile.TraceID {
				t.Errorf("ok row Jaeger link %v", links)
			}
			if len(nodes(root, "form", "diff")) != 1 {
				t.Error("no diff form")
			}
		}},
		{"failed escrow", "/ui/escrow/" + failedID, "escrow.png", 1150, func(t *testing.T, root *html.Node) {
			checkPage(t, root, failedFile)
			errs := nodes(root, "g", "bar error")
			if len(errs) == 0 || !strings.Contains(textOf(errs[0]), "✗ error") {
				t.Errorf("error bars %d, want the failed call labelled ✗ error", len(errs))
			}
			an := nodes(root, "li", "anomaly")
			if first := string(failedAn.Anomalies[0].Kind); len(an) != len(failedAn.Anomalies) || attrOf(an[0], "data-kind") != first {
				t.Fatalf("%d anomalies, want %d, the first %s", len(an), len(failedAn.Anomalies), first)
			}
			if hint := textOf(tagged(an[0], "dd")...); hint == "" || !strings.Contains(hint, failedAn.Anomalies[0].Hint) {
				t.Errorf("anomaly hint %q, want %q", hint, failedAn.Anomalies[0].Hint)
			}
		}},
		{"ok escrow", "/ui/escrow/" + okID, "escrow_success.png", 1150, func(t *testing.T, root *html.Node) {
			checkPage(t, root, okFile)
			if n := len(nodes(root, "g", "bar error")); n != 0 {
				t.Errorf("%d error bars in a success", n)
			}
			// A success may still be flagged slow on a loaded machine: the
			// page lists what the analysis finds, and says success.
			if n, want := len(nodes(root, "li", "anomaly")), len(analysis.Analyze(okFile, analysis.Options{}).Anomalies); n != want {
				t.Errorf("%d anomalies, want %d", n, want)
			}
			if o := byIDOf(root, "outcome"); o == nil || attrOf(o, "class") != "outcome success" {
				t.Errorf("outcome %q, want success", textOf(o))
			}
		}},
		{"diff", "/ui/diff?a=" + failedID + "&b=" + okID, "diff.png", 1600, func(t *testing.T, root *html.Node) {
			svgs := nodes(root, "svg", "timeline")
			if len(svgs) < 2 {
				t.Fatalf("%d timelines, want one per side at least", len(svgs))
			}
			for _, s := range svgs {
				checkLanes(t, s)
			}
			div := byIDOf(root, "divergence")
			if div == nil || !strings.Contains(textOf(div), "first divergence") {
				t.Fatal("no first-divergence row")
			}
			// The step is marked on the timelines of the side(s) that have
			// it, at most once each, and the mark names the row.
			marks := 0
			for _, s := range svgs {
				m := nodes(s, "g", "divergence-mark")
				if len(m) > 1 {
					t.Errorf("%d divergence marks on one timeline", len(m))
				}
				for _, g := range m {
					marks++
					if want := "(step #" + attrOf(div, "data-index") + ")"; !strings.Contains(textOf(g), want) {
						t.Errorf("divergence mark %q, want it to name %s", textOf(g), want)
					}
				}
			}
			if marks == 0 {
				t.Error("the divergence is marked on no timeline")
			}
			sides := map[string]bool{}
			for _, s := range svgs {
				sides[attrOf(s, "data-side")] = true
			}
			if !sides["a"] || !sides["b"] {
				t.Errorf("timeline sides %v", sides)
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root, err := html.Parse(strings.NewReader(browsertest.DumpDOM(t, d.url+tt.path)))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, root)
			browsertest.Screenshot(t, d.url+tt.path, filepath.Join(shots, tt.shot), 1280, tt.height)
		})
	}

	// 3. With a token, the same pages need it: a browser gets the login
	// form, and the form's cookie opens them.
	d.stop(syscall.SIGTERM)
	const token = "ui-browser-test-token-of-32-bytes+"
	t.Setenv("ESCROWD_API_TOKEN", token)
	d = startDaemon(t, dir, "--pool-size", "3", "--reserve", "0")
	page := "/ui/escrow/" + failedID
	root, err := html.Parse(strings.NewReader(browsertest.DumpDOM(t, d.url+page)))
	if err != nil {
		t.Fatal(err)
	}
	if forms := nodes(root, "form", "login"); len(forms) != 1 || len(nodes(root, "li", "anomaly")) != 0 {
		t.Fatalf("without the token: %d login forms, %d anomalies shown", len(forms), len(nodes(root, "li", "anomaly")))
	}
	if next := tagged(nodes(root, "form", "login")[0], "input"); len(next) == 0 || attrOf(next[0], "value") != page {
		t.Errorf("login form does not come back to %s", page)
	}
	checkTokenLogin(t, d.url, token, page)
	t.Logf("whole run: %s", time.Since(start).Round(time.Second))
}

// checkTokenLogin logs in through the form as a browser would and opens page
// with the session cookie; a wrong token gets no cookie.
func checkTokenLogin(t *testing.T, base, token, page string) {
	t.Helper()
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	login := func(tok string) *http.Response {
		req, err := http.NewRequest(http.MethodPost, base+"/ui/login", strings.NewReader(url.Values{"token": {tok}, "next": {page}}.Encode()))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Origin", base)
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := login("wrong"); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("wrong token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	resp := login(token)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != page || len(resp.Cookies()) != 1 {
		t.Fatalf("login: %d %q cookies %v", resp.StatusCode, resp.Header.Get("Location"), resp.Cookies())
	}
	cookie := resp.Cookies()[0]
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || strings.Contains(cookie.Value, token) {
		t.Errorf("session cookie %+v", cookie)
	}
	for _, tt := range []struct {
		path   string
		cookie bool
		code   int
	}{
		{page, true, http.StatusOK},
		{page, false, http.StatusUnauthorized},
		{"/api/escrows", true, http.StatusUnauthorized}, // the cookie is for the pages only
	} {
		req, err := http.NewRequest(http.MethodGet, base+tt.path, nil)
		if err != nil {
			t.Fatal(err)
		}
		if tt.cookie {
			req.AddCookie(cookie)
		}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.code {
			t.Errorf("GET %s (cookie %v): %d, want %d", tt.path, tt.cookie, resp.StatusCode, tt.code)
		}
	}
}

func traceFile(t *testing.T, dir, id string) *escrowtrace.File {
	t.Helper()
	name, err := escrow.FileName(id)
	if err != nil {
		t.Fatal(err)
	}
	f, err := analysis.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("trace of %s: %v", id, err)
	}
	return f
}

// checkPage compares an escrow page's whole-escrow timeline with the trace
// file: a bar per RPC call, ok or error as the call ended, a marker per
// snapshot, the three role lanes, and the link to Jaeger.
func checkPage(t *testing.T, root *html.Node, f *escrowtrace.File) {
	t.Helper()
	svgs := nodes(root, "svg", "timeline")
	if len(svgs) == 0 {
		t.Fatal("no timeline")
	}
	for _, s := range svgs {
		checkLanes(t, s)
	}
	var ends, errs, snaps int
	for _, e := range f.Events {
		switch {
		case e.Type == escrowtrace.EventRPCCallEnd:
			ends++
		case e.Type == escrowtrace.EventRPCCallError:
			errs++
		case escrow.IsSnapshotName(e.Type):
			snaps++
		}
	}
	whole := svgs[0]
	if n := len(nodes(whole, "g", "bar ok")); n != ends || n == 0 {
		t.Errorf("%d ok bars, want %d (the file's RPC_CALL_END)", n, ends)
	}
	if n := len(nodes(whole, "g", "bar error")); n != errs {
		t.Errorf("%d error bars, want %d (the file's RPC_CALL_ERROR)", n, errs)
	}
	var points int
	for _, g := range tagged(whole, "g") {
		if attrOf(g, "data-type") != "" && strings.HasPrefix(attrOf(g, "class"), "snapshot") {
			points++
		}
	}
	if points != snaps || snaps == 0 {
		t.Errorf("%d snapshot markers, want %d (the file's snapshots)", points, snaps)
	}
	if links := nodes(root, "a", "jaeger"); len(links) != 1 || attrOf(links[0], "href") != jaegerUI+"/trace/"+f.TraceID {
		t.Errorf("Jaeger link %v, want %s/trace/%s", links, jaegerUI, f.TraceID)
	}
}

// checkLanes wants the buyer, vendor and arbiter lanes, in that order.
func checkLanes(t *testing.T, svg *html.Node) {
	t.Helper()
	var roles []string
	for _, l := range nodes(svg, "g", "lane") {
		roles = append(roles, attrOf(l, "data-role"))
	}
	if strings.Join(roles, ",") != "buyer,vendor,arbiter" {
		t.Errorf("lanes %v, want buyer, vendor, arbiter", roles)
	}
}

// nodes returns the elements named tag whose class attribute is exactly class.
func nodes(root *html.Node, tag, class string) []*html.Node {
	var out []*html.Node
	for _, n := range tagged(root, tag) {
		if attrOf(n, "class") == class {
			out = append(out, n)
		}
	}
	return out
}

// tagged returns the elements named tag under root, root included.
func tagged(root *html.Node, tag string) []*html.Node {
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
	if root != nil {
		walk(root)
	}
	return out
}

func byIDOf(root *html.Node, id string) *html.Node {
	var found *html.Node
	var walk func(*html.Node)
	walk = func(n *html.Node) {
		if n.Type == html.ElementNode && attrOf(n, "id") == id {
			found = n
		}
		for c := n.FirstChild; c != nil && found == nil; c = c.NextSibling {
			walk(c)
		}
	}
	walk(root)
	return found
}

func attrOf(n *html.Node, key string) string {
	if n == nil {
		return ""
	}
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

// textOf is the text of the nodes, trimmed.
func textOf(ns ...*html.Node) string {
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
	for _, n := range ns {
		if n != nil {
			walk(n)
		}
	}
	return strings.TrimSpace(b.String())
}
