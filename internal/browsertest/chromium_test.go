package browsertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDumpDOMAndScreenshot(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		// The text is written by markup the browser must build: a raw
		// copy of the response would not contain "<p id="x">hello</p>".
		_, _ = w.Write([]byte("<!DOCTYPE html><title>t</title><p id=x>hello<svg><rect width=10 height=10 /></svg>"))
	}))
	defer srv.Close()

	dom := DumpDOM(t, srv.URL)
	for _, want := range []string{`<p id="x">hello`, `<rect width="10" height="10"></rect>`, "</html>"} {
		if !strings.Contains(dom, want) {
			t.Errorf("DOM lacks %q:\n%s", want, dom)
		}
	}

	path := filepath.Join(t.TempDir(), "shots", "page.png")
	Screenshot(t, srv.URL, path, 640, 400)
	fi, err := os.Stat(path)
	if err != nil || fi.Size() < 100 {
		t.Fatalf("screenshot: %v, %v", fi, err)
	}
}

func TestFlags(t *testing.T) {
	got := strings.Join(flags("/tmp/p", 1280, 900), " ")
	for _, want := range []string{"--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
		"--disable-component-update", "--disable-sync", "--no-first-run", "--user-data-dir=/tmp/p", "--window-size=1280,900"} {
		if !strings.Contains(got, want) {
			t.Errorf("flags %q lack %s", got, want)
		}
	}
}
