package ui

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/labstack/echo/v4"
	"golang.org/x/net/html"
)

func newServer(t *testing.T, src Source, opts Options) *echo.Echo {
	t.Helper()
	e := echo.New()
	Register(e, src, opts)
	return e
}

func get(t *testing.T, e *echo.Echo, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	return rec
}

// elements returns the elements of the page that match.
func elements(t *testing.T, body []byte, match func(*html.Node) bool) []*html.Node {
	t.Helper()
	root, err := html.Parse(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
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
	walk(root)
	return out
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func text(n *html.Node) string {
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

func TestPages(t *testing.T) {
	e := newServer(t, fixtureSource(t), Options{JaegerUIURL: "http://127.0.0.1:16686"})
	tests := []struct {
		name, target string
		code         int
		want         []string // substrings of the body
		notWant      []string
	}{
		{"index", "/ui/", http.StatusOK,
			[]string{`data-escrow-id="race-b"`, "⚠ already_multisig_before_round1", `href="/ui/escrow/ok-a"`,
				`href="http://127.0.0.1:16686/trace/00000000000000000000726163652d62"`, "no trace", "✓ ready", "✗ failed", "… pending",
				`<option value="ok-b" selected>`, `<option value="race-b" selected>`},
			[]string{"<script>", "<img"}},
		{"index limit", "/ui/?limit=2", http.StatusOK, []string{`data-escrow-id="ok-b"`}, []string{`data-escrow-id="ok-a"`}},
		{"index bad limit", "/ui/?limit=0", http.StatusBadRequest, []string{"limit must be a number"}, nil},
		{"escrow", "/ui/escrow/ok-a", http.StatusOK,
			[]string{`class="lane" data-role="buyer"`, `class="bar ok"`, `href="/ui/"`, "Open this trace in Jaeger"}, nil},
		{"escrow failed", "/ui/escrow/race-b", http.StatusOK, []string{`class="bar error"`, `data-kind="already_multisig_before_round1"`}, nil},
		{"escrow unknown", "/ui/escrow/nobody", http.StatusNotFound, []string{"Escrow not found", "&#34;nobody&#34;"}, nil},
		{"escrow no trace", "/ui/escrow/pending-1", http.StatusNotFound, []string{"no trace for escrow"}, nil},
		{"escrow bad id", "/ui/escrow/a.b", http.StatusBadRequest, []string{"is not an escrow ID"}, nil},
		{"escrow hostile id", "/ui/escrow/%3Cscript%3Ealert(1)%3C%2Fscript%3E", http.StatusBadRequest, []string{"is not an escrow ID"}, []string{"<script>"}},
		{"escrow broken file", "/ui/escrow/broken", http.StatusInternalServerError, []string{"could not be read"}, []string{"escrow_broken.json", "/tmp"}},
		{"diff", "/ui/diff?a=ok-a&b=race-b", http.StatusOK,
			[]string{`<tr id="divergence"`, `data-side="a"`, `data-side="b"`, `href="/ui/escrow/race-b"`}, nil},
		{"diff identical", "/ui/diff?a=ok-a&b=ok-b", http.StatusOK, []string{"✓ No divergence"}, []string{`id="divergence"`}},
		{"diff missing b", "/ui/diff?a=ok-a", http.StatusBadRequest, []string{"Give two escrow IDs"}, nil},
		{"diff bad b", "/ui/diff?a=ok-a&b=%22%3E%3Cscript%3E", http.StatusBadRequest, []string{"is not an escrow ID"}, []string{"<script>"}},
		{"diff unknown a", "/ui/diff?a=nobody&b=ok-a", http.StatusNotFound, []string{"Escrow not found"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := get(t, e, tt.target)
			if rec.Code != tt.code {
				t.Fatalf("status %d, want %d\n%s", rec.Code, tt.code, rec.Body.String())
			}
			h := rec.Header()
			if h.Get("Content-Security-Policy") != ContentSecurityPolicy || h.Get("X-Content-Type-Options") != "nosniff" ||
				!strings.HasPrefix(h.Get("Content-Type"), "text/html") {
				t.Errorf("headers %v", h)
			}
			body := rec.Body.String()
			for _, w := range tt.want {
				if !strings.Contains(body, w) {
					t.Errorf("body lacks %q", w)
				}
			}
			for _, w := range tt.notWant {
				if strings.Contains(body, w) {
					t.Errorf("body contains %q", w)
				}
			}
		})
	}
}

func TestIndexFailureKinds(t *testing.T) {
	e := newServer(t, fixtureSource(t), Options{})
	rec := get(t, e, "/ui/")
	rows := elements(t, rec.Body.Bytes(), func(n *html.Node) bool { return attr(n, "class") == "escrow" })
	got := map[string]string{}
	for _, r := range rows {
		got[attr(r, "data-escrow-id")] = text(r)
	}
	want := map[string]string{
		"race-b":                    "⚠ already_multisig_before_round1",
		"ok-a":                      "—",
		"pending-1":                 "no trace",
		"broken":                    "⚠ unavailable", // the stored kind: the list opens no file
		"<script>alert(1)</script>": "invalid id",
	}
	for id, w := range want {
		if !strings.Contains(got[id], w) {
			t.Errorf("row %q: %q, want it to say %q", id, got[id], w)
		}
	}
	// The hostile error is shown as text, not run.
	if !strings.Contains(got["<script>alert(1)</script>"], "<img src=x onerror=alert(2)>") {
		t.Errorf("hostile error not shown as text: %q", got["<script>alert(1)</script>"])
	}
	if n := elements(t, rec.Body.Bytes(), func(n *html.Node) bool { return n.Data == "script" || n.Data == "img" }); len(n) > 0 {
		t.Errorf("hostile entry became markup")
	}
}

func TestListFailure(t *testing.T) {
	e := newServer(t, &fakeSource{listErr: errStoreDown}, Options{})
	rec := get(t, e, "/ui/")
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "store is down") {
		t.Errorf("status %d body %q: want 500 without internals", rec.Code, rec.Body.String())
	}
}

func TestRedirect(t *testing.T) {
	rec := get(t, newServer(t, &fakeSource{}, Options{}), "/ui")
	if rec.Code != http.StatusMovedPermanently || rec.Header().Get("Location") != "/ui/" {
		t.Errorf("GET /ui: %d %q", rec.Code, rec.Header().Get("Location"))
	}
	rec = get(t, newServer(t, &fakeSource{}, Options{}), "/ui/")
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "No escrows yet") {
		t.Errorf("empty list: %d", rec.Code)
	}
}

func TestRegisterOnGroup(t *testing.T) {
	e := echo.New()
	seen := false
	g := e.Group("", func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error { seen = true; return next(c) }
	})
	Register(g, fixtureSource(t), Options{})
	if rec := get(t, e, "/ui/escrow/ok-a"); rec.Code != http.StatusOK || !seen {
		t.Errorf("on a group: status %d, middleware ran %v", rec.Code, seen)
	}
}

// TestTracingOff: without trace files the list and the pages say that
// tracing is off and how to turn it on, with 404 rather than 500.
func TestTracingOff(t *testing.T) {
	src := fixtureSource(t)
	src.pathErr = ErrTracingOff
	e := newServer(t, src, Options{TracingOff: true})
	tests := []struct {
		target string
		code   int
		want   []string
	}{
		{"/ui/", http.StatusOK, []string{`id="tracing-off"`, "Tracing is off", "ENABLE_INSTRUMENTATION=1", "tracing off"}},
		{"/ui/escrow/ok-a", http.StatusNotFound, []string{"Tracing is off", "ENABLE_INSTRUMENTATION=1"}},
		{"/ui/diff?a=ok-a&b=race-b", http.StatusNotFound, []string{"Tracing is off"}},
	}
	for _, tt := range tests {
		t.Run(tt.target, func(t *testing.T) {
			rec := get(t, e, tt.target)
			if rec.Code != tt.code {
				t.Fatalf("status %d, want %d", rec.Code, tt.code)
			}
			for _, w := range tt.want {
				if !strings.Contains(rec.Body.String(), w) {
					t.Errorf("body lacks %q", w)
				}
			}
		})
	}
	// With tracing on, no notice.
	if rec := get(t, newServer(t, fixtureSource(t), Options{}), "/ui/"); strings.Contains(rec.Body.String(), `id="tracing-off"`) {
		t.Error("tracing-off notice with tracing on")
	}
}
