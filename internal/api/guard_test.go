package api_test

import (
	"net"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.opentelemetry.io/otel/attribute"
)

const validBody = `{"buyer_id":"b","vendor_id":"v","amount":1}`

// TestCrossSiteAndRebinding: on the default listener (loopback, no token) a
// page of another site can neither create an escrow (CSRF: a text/plain
// POST, or any POST with a foreign Origin) nor read the API under a name of
// its own (DNS rebinding). Each is refused with a message and nothing is
// stored; curl's requests and same-origin ones pass.
func TestCrossSiteAndRebinding(t *testing.T) {
	f := newFixture(t, options{})
	u, err := url.Parse(f.srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	port := u.Port()
	tests := []struct {
		name, method, path, body string
		header                   http.Header
		host                     string
		wantCode                 int
		wantMsg                  string
	}{
		{"text/plain POST", "POST", "/api/escrow/init", validBody, http.Header{"Content-Type": {"text/plain"}}, "", 415, "Content-Type: application/json"},
		{"form POST", "POST", "/api/escrow/init", validBody, http.Header{"Content-Type": {"application/x-www-form-urlencoded"}}, "", 415, "Content-Type"},
		{"no content type", "POST", "/api/escrow/init", validBody, http.Header{"Content-Type": {""}}, "", 415, "Content-Type"},
		{"foreign origin", "POST", "/api/escrow/init", validBody, http.Header{"Origin": {"https://evil.example"}}, "", 403, "cross-site"},
		{"null origin", "POST", "/api/escrow/init", validBody, http.Header{"Origin": {"null"}}, "", 403, "cross-site"},
		{"foreign origin on a read", "GET", "/api/escrows", "", http.Header{"Origin": {"http://evil.example:" + port}}, "", 403, "cross-site"},
		{"rebound name", "GET", "/api/escrows", "", nil, "evil.example:" + port, 421, "DNS rebinding"},
		{"rebound name, same origin", "POST", "/api/escrow/init", validBody, http.Header{"Origin": {"http://evil.example:" + port}}, "evil.example:" + port, 421, "DNS rebinding"},
		{"rebound name on a page", "GET", "/ui/", "", nil, "evil.example:" + port, 421, "DNS rebinding"},
		{"localhost", "GET", "/api/escrows", "", nil, "localhost:" + port, 200, ""},
		{"ipv6 loopback", "GET", "/api/escrows", "", nil, "[::1]:" + port, 200, ""},
		{"same origin", "GET", "/api/escrows", "", http.Header{"Origin": {f.srv.URL}}, "", 200, ""},
		{"json with charset", "POST", "/api/escrow/init", validBody, http.Header{"Content-Type": {"application/json; charset=utf-8"}}, "", 202, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.count(t)
			req, err := http.NewRequest(tt.method, f.srv.URL+tt.path, strings.NewReader(tt.body))
			if err != nil {
				t.Fatal(err)
			}
			if tt.method == http.MethodPost {
				req.Header.Set("Content-Type", "application/json")
			}
			for k, v := range tt.header {
				req.Header[k] = v
			}
			if tt.host != "" {
				req.Host = tt.host
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body := readAll(t, resp)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.wantCode, body)
			}
			if !strings.Contains(body, tt.wantMsg) {
				t.Errorf("answer %q, want it to say %q", body, tt.wantMsg)
			}
			stored := f.count(t) - before
			if tt.wantCode >= 400 && stored != 0 {
				t.Errorf("%d escrows stored by a refused request", stored)
			}
		})
	}
	// A request refused by the host or origin guard makes no span.
	want := 0
	for _, tt := range tests {
		if tt.wantCode != 403 && tt.wantCode != 421 {
			want++
		}
	}
	if n := len(f.spans.GetSpans()); n != want {
		t.Errorf("%d server spans, want %d: requests refused 403 or 421 must make none", n, want)
	}
}

// With a token, the API answers to any Host (a token-holding client is not
// a rebinding page), and a POST still needs JSON.
func TestTokenAllowsAnyHost(t *testing.T) {
	f := newFixture(t, options{token: "0123456789abcdef0123456789abcdef"})
	h := http.Header{"Authorization": {"Bearer 0123456789abcdef0123456789abcdef"}}
	req, _ := http.NewRequest(http.MethodGet, f.srv.URL+"/api/escrows", nil)
	req.Header = h.Clone()
	req.Host = "escrowd.internal.example"
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if body := readAll(t, resp); resp.StatusCode != 200 {
		t.Fatalf("status %d: %s", resp.StatusCode, body)
	}
	h.Set("Content-Type", "text/plain")
	resp2, _ := f.do(t, http.MethodPost, "/api/escrow/init", validBody, h)
	if resp2.StatusCode != http.StatusUnsupportedMediaType || f.count(t) != 0 {
		t.Fatalf("text/plain POST with a token: %d, %d stored", resp2.StatusCode, f.count(t))
	}
}

// TestUnauthenticatedMakesNoSpans: a request refused 401 starts no span,
// whatever trace context it carries, so no flood of them reaches the trace
// buffers; an authenticated one does.
func TestUnauthenticatedMakesNoSpans(t *testing.T) {
	f := newFixture(t, options{token: "0123456789abcdef0123456789abcdef", ui: true})
	for i := range 50 {
		h := http.Header{"Traceparent": {"00-" + strings.Repeat("0", 28) + hex4(i+1) + "-00f067aa0ba902b7-01"}}
		for _, p := range []string{"/api/escrows", "/api/escrow/x", "/ui/", "/ui/escrow/x"} {
			req, _ := http.NewRequest(http.MethodGet, f.srv.URL+p, nil)
			req.Header = h.Clone()
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			readAll(t, resp)
			if resp.StatusCode != http.StatusUnauthorized {
				t.Fatalf("GET %s without token: %d", p, resp.StatusCode)
			}
		}
		resp, _ := f.do(t, http.MethodPost, "/api/escrow/init", validBody, h)
		if resp.StatusCode != http.StatusUnauthorized {
			t.Fatalf("POST without token: %d", resp.StatusCode)
		}
	}
	if n := len(f.spans.GetSpans()); n != 0 {
		t.Fatalf("%d spans from requests refused 401", n)
	}
	resp, _ := f.do(t, http.MethodGet, "/api/escrows", "", http.Header{"Authorization": {"Bearer 0123456789abcdef0123456789abcdef"}})
	if resp.StatusCode != 200 || len(f.spans.GetSpans()) != 1 {
		t.Fatalf("authenticated request: %d, %d spans", resp.StatusCode, len(f.spans.GetSpans()))
	}
}

func hex4(i int) string {
	const digits = "0123456789abcdef"
	return string([]byte{digits[i>>12&15], digits[i>>8&15], digits[i>>4&15], digits[i&15]})
}

// TestClientAddress: X-Forwarded-For is believed only from a trusted proxy;
// otherwise client.address is the socket's peer.
func TestClientAddress(t *testing.T) {
	_, loop, _ := net.ParseCIDR("127.0.0.0/8")
	_, other, _ := net.ParseCIDR("10.9.0.0/16")
	tests := []struct {
		name    string
		proxies []*net.IPNet
		want    string
	}{
		{"no proxy", nil, "127.0.0.1"},
		{"another proxy", []*net.IPNet{other}, "127.0.0.1"},
		{"trusted proxy", []*net.IPNet{loop}, "203.0.113.9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, options{proxies: tt.proxies})
			resp, _ := f.do(t, http.MethodGet, "/api/escrows", "", http.Header{"X-Forwarded-For": {"203.0.113.9"}, "X-Real-Ip": {"198.51.100.7"}})
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			spans := f.spans.GetSpans()
			if len(spans) != 1 {
				t.Fatalf("%d spans", len(spans))
			}
			var got string
			for _, a := range spans[0].Attributes {
				if a.Key == attribute.Key("client.address") {
					got = a.Value.AsString()
				}
			}
			if got != tt.want {
				t.Errorf("client.address = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestTraceThroughLinkRefused: escrow_<id>.json replaced by a link to a key
// file is not served, and neither is a link to another trace file.
func TestTraceThroughLinkRefused(t *testing.T) {
	f := newFixture(t, options{tracesDir: true})
	resp, m := f.do(t, http.MethodPost, "/api/escrow/init?wait=10s", validBody, nil)
	if resp.StatusCode != 200 {
		t.Fatalf("init: %d %v", resp.StatusCode, m)
	}
	id := m["escrow_id"].(string)
	key := filepath.Join(t.TempDir(), "master.key")
	if err := os.WriteFile(key, []byte("THE-MASTER-KEY"), 0o600); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(f.tracesDir, "escrow_"+id+".json")
	if err := os.Symlink(key, path); err != nil {
		t.Fatal(err)
	}
	for _, p := range []string{"/api/escrow/" + id + "/trace", "/ui/escrow/" + id} {
		req, _ := http.NewRequest(http.MethodGet, f.srv.URL+p, nil)
		r, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body := readAll(t, r)
		if r.StatusCode == 200 || strings.Contains(body, "THE-MASTER-KEY") {
			t.Errorf("GET %s through a link: %d %q", p, r.StatusCode, body)
		}
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return b.String()
}
