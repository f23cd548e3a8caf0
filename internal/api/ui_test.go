package api_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/internal/api"
	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/escrows/escrowstest"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/internal/ui"
)

// uiServer serves the API with the pages over a store holding the escrow
// ok-a (ready, traced with the analyzer's success fixture) and, when traced,
// that trace in a traces directory.
func uiServer(t *testing.T, token string, traced, withUI bool) *httptest.Server {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	st, err := store.Open(ctx, filepath.Join(dir, "escrowd.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Create(ctx, store.Escrow{ID: "ok-a", TraceID: "0000000000000000000000006f6b2d61", BuyerID: "b", VendorID: "v", Amount: 1}); err != nil {
		t.Fatal(err)
	}
	if err := st.Finish(ctx, "ok-a", store.StatusReady, "4addr", ""); err != nil {
		t.Fatal(err)
	}
	tracesDir := ""
	if traced {
		tracesDir = filepath.Join(dir, "traces")
		raw, err := os.ReadFile("../../analysis/testdata/fixtures/success.json")
		if err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(tracesDir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(tracesDir, "escrow_ok-a.json"), raw, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	svc, err := escrows.New(escrows.Config{Store: st, Runner: escrowstest.Refusing(errors.New("no runs in this test")), MaxInFlight: 1})
	if err != nil {
		t.Fatal(err)
	}
	h, err := api.New(api.Config{Service: svc, TracesDir: tracesDir, Token: token, UI: withUI, JaegerUIURL: "http://127.0.0.1:16686"})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

// TestUIMounted: the daemon's API serves the pages; with a token they need it
// (bearer or the login form's cookie) and the cookie opens the pages only,
// never the JSON API.
func TestUIMounted(t *testing.T) {
	const token = "s3cret-token"
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

	// A session cookie from the login form of the token-protected server.
	locked := uiServer(t, token, true, true)
	resp, err := noRedirect.PostForm(locked.URL+"/ui/login", url.Values{"token": {token}, "next": {"/ui/escrow/ok-a"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	var session *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == ui.SessionCookie {
			session = c
		}
	}
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/ui/escrow/ok-a" || session == nil {
		t.Fatalf("login: %d %q cookie %v", resp.StatusCode, resp.Header.Get("Location"), session)
	}

	open := uiServer(t, "", true, true)
	off := uiServer(t, "", false, true)
	none := uiServer(t, "", true, false)
	tests := []struct {
		name         string
		srv          *httptest.Server
		path, bearer string
		cookie       *http.Cookie
		code         int
		want         string
	}{
		{"no token: list open", open, "/ui/", "", nil, http.StatusOK, `data-escrow-id="ok-a"`},
		{"no token: escrow page open", open, "/ui/escrow/ok-a", "", nil, http.StatusOK, `class="lane" data-role="buyer"`},
		{"no token: Jaeger link", open, "/ui/escrow/ok-a", "", nil, http.StatusOK, `href="http://127.0.0.1:16686/trace/0000000000000000000000006f6b2d61"`},
		{"no token: unknown escrow", open, "/ui/escrow/nobody", "", nil, http.StatusNotFound, "Escrow not found"},
		{"no token: no login form", open, "/ui/login", "", nil, http.StatusNotFound, ""},
		{"token: list needs it", locked, "/ui/", "", nil, http.StatusUnauthorized, `action="/ui/login"`},
		{"token: escrow page needs it", locked, "/ui/escrow/ok-a", "", nil, http.StatusUnauthorized, `value="/ui/escrow/ok-a"`},
		{"token: wrong bearer", locked, "/ui/", "wrong", nil, http.StatusUnauthorized, `action="/ui/login"`},
		{"token: bearer", locked, "/ui/escrow/ok-a", token, nil, http.StatusOK, `class="bar ok"`},
		{"token: session cookie", locked, "/ui/diff?a=ok-a&b=ok-a", "", session, http.StatusOK, "No divergence"},
		{"token: session cookie does not open the API", locked, "/api/escrows", "", session, http.StatusUnauthorized, "missing bearer token"},
		{"token: API with bearer", locked, "/api/escrows", token, nil, http.StatusOK, `"escrow_id":"ok-a"`},
		{"token: probes stay open", locked, "/healthz", "", nil, http.StatusOK, "alive"},
		{"tracing off: list says so", off, "/ui/", "", nil, http.StatusOK, "Tracing is off"},
		{"tracing off: page says so", off, "/ui/escrow/ok-a", "", nil, http.StatusNotFound, "Tracing is off"},
		{"without UI", none, "/ui/", "", nil, http.StatusNotFound, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, err := http.NewRequest(http.MethodGet, tt.srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.bearer != "" {
				req.Header.Set("Authorization", "Bearer "+tt.bearer)
			}
			if tt.cookie != nil {
				req.AddCookie(tt.cookie)
			}
			resp, err := noRedirect.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			raw, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			body := string(raw)
			if resp.StatusCode != tt.code {
				t.Fatalf("status %d, want %d\n%.500s", resp.StatusCode, tt.code, body)
			}
			if !strings.Contains(body, tt.want) {
				t.Errorf("body lacks %q:\n%.500s", tt.want, body)
			}
			// Every page, the login form included, keeps the CSP.
			if strings.HasPrefix(body, "<!DOCTYPE html>") && resp.Header.Get("Content-Security-Policy") != ui.ContentSecurityPolicy {
				t.Errorf("page without the CSP")
			}
		})
	}
}
