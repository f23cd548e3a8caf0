package analysis

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
)

const jaegerSecret = "s3cret-pass"

// No error of a Jaeger fetch shows the URL's password.
func TestJaegerErrorsRedactPassword(t *testing.T) {
	down, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	downURL := "http://user:" + jaegerSecret + "@" + down.Addr().String()
	down.Close() // nothing listens there now: connection refused

	var gotAuth atomic.Bool
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if _, pass, ok := r.BasicAuth(); ok && pass == jaegerSecret {
			gotAuth.Store(true)
		}
		switch {
		case strings.HasSuffix(r.URL.Path, "/"+strings.Repeat("1", 32)):
			http.Error(w, "boom", http.StatusInternalServerError)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	upURL := strings.Replace(srv.URL, "http://", "http://user:"+jaegerSecret+"@", 1)

	tests := []struct {
		name, base, id, want string
	}{
		{"refused", downURL, "42", "jaeger at http://user:xxxxx@"},
		{"HTTP 500", upURL, strings.Repeat("1", 32), "HTTP 500"},
		{"not found", upURL, "42", "no trace"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			j, err := NewJaeger(tt.base, 0)
			if err != nil {
				t.Fatal(err)
			}
			_, err = j.Fetch(context.Background(), tt.id)
			if err == nil || strings.Contains(err.Error(), jaegerSecret) || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Fetch error %v: want %q and no password", err, tt.want)
			}
		})
	}
	if !gotAuth.Load() {
		t.Error("the URL's credentials were not sent")
	}
	for _, bad := range []string{"ftp://user:" + jaegerSecret + "@host", "http://user:" + jaegerSecret + "@[::1"} {
		if _, err := NewJaeger(bad, 0); err == nil || strings.Contains(err.Error(), jaegerSecret) {
			t.Errorf("NewJaeger(%q) error %v: want one without the password", bad, err)
		}
	}
}

// Redirects are followed on the query service's host only: a redirect to
// another host is refused and that host never asked.
func TestJaegerRedirectsStayOnHost(t *testing.T) {
	var elsewhere atomic.Int32
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		elsewhere.Add(1)
		http.NotFound(w, r)
	}))
	defer other.Close()
	f := setup{id: "redirected"}.build()
	answer := sameTraceInputs(t, f)["jaeger v3"]
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch {
		case strings.HasPrefix(r.URL.Path, "/away/"):
			http.Redirect(w, r, other.URL+"/api/v3/traces/"+f.TraceID, http.StatusFound)
		case strings.HasPrefix(r.URL.Path, "/api/v3/"):
			http.Redirect(w, r, "/moved"+r.URL.Path, http.StatusMovedPermanently)
		case strings.HasPrefix(r.URL.Path, "/moved/"):
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write(answer)
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()

	j, err := NewJaeger(srv.URL, 0)
	if err != nil {
		t.Fatal(err)
	}
	got, err := j.Fetch(context.Background(), f.TraceID)
	if err != nil || got.TraceID != f.TraceID {
		t.Fatalf("a redirect on the same host: %v", err)
	}

	j, err = NewJaeger(srv.URL+"/away", 0)
	if err != nil {
		t.Fatal(err)
	}
	_, err = j.Fetch(context.Background(), f.TraceID)
	if err == nil || !strings.Contains(err.Error(), "redirect to "+other.URL+" refused") {
		t.Errorf("a redirect to another host: %v", err)
	}
	if n := elsewhere.Load(); n != 0 {
		t.Errorf("the other host was asked %d times", n)
	}
}
