package walletrpc

import (
	"strings"
	"testing"
	"time"
)

func TestNewValidatesOptions(t *testing.T) {
	tests := []struct {
		name         string
		opts         Options
		wantPost     string
		wantEndpoint string
		wantErr      string // substring; empty = success
	}{
		{"base URL", Options{URL: "http://127.0.0.1:18083"}, "http://127.0.0.1:18083/json_rpc", "127.0.0.1:18083", ""},
		{"trailing slash", Options{URL: "http://127.0.0.1:18083/"}, "http://127.0.0.1:18083/json_rpc", "127.0.0.1:18083", ""},
		{"already json_rpc", Options{URL: "http://wallet:18083/json_rpc"}, "http://wallet:18083/json_rpc", "wallet:18083", ""},
		{"path prefix", Options{URL: "https://proxy:443/wallet-1"}, "https://proxy:443/wallet-1/json_rpc", "proxy:443", ""},
		{"ipv6", Options{URL: "http://[::1]:18083"}, "http://[::1]:18083/json_rpc", "[::1]:18083", ""},
		{"empty", Options{}, "", "", "empty URL"},
		{"no scheme", Options{URL: "127.0.0.1:18083"}, "", "", "URL must be http(s)://host:port"},
		{"bad URL with credentials", Options{URL: "http://u:secret@127.0.0.1:18083/%zz"}, "", "", "invalid URL escape"},
		{"ftp", Options{URL: "ftp://127.0.0.1:18083"}, "", "", "scheme must be http or https"},
		{"no port", Options{URL: "http://127.0.0.1"}, "", "", "want host:port"},
		{"empty port", Options{URL: "http://127.0.0.1:"}, "", "", "want host:port"},
		{"no host", Options{URL: "http://:18083"}, "", "", "want host:port"},
		{"credentials in URL", Options{URL: "http://u:secret@127.0.0.1:18083"}, "", "", "must not contain credentials"},
		{"query", Options{URL: "http://127.0.0.1:18083/?a=b"}, "", "", "query or fragment"},
		{"negative timeout", Options{URL: "http://127.0.0.1:1", Timeout: -time.Second}, "", "", "negative Timeout"},
		{"negative max body", Options{URL: "http://127.0.0.1:1", MaxResponseBytes: -1}, "", "", "negative MaxResponseBytes"},
		{"password without user", Options{URL: "http://127.0.0.1:1", Password: "secret"}, "", "", "Password set without Username"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c, err := New(tc.opts)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("New(%+v) error = %v, want containing %q", tc.opts, err, tc.wantErr)
				}
				if strings.Contains(err.Error(), "secret") {
					t.Fatalf("error %q repeats a credential", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("New: %v", err)
			}
			if c.postURL != tc.wantPost || c.Endpoint() != tc.wantEndpoint {
				t.Fatalf("got %s / %s, want %s / %s", c.postURL, c.Endpoint(), tc.wantPost, tc.wantEndpoint)
			}
			if c.timeout != DefaultTimeout || c.maxBody != DefaultMaxResponseBytes {
				t.Fatalf("defaults not applied: timeout %v, max body %d", c.timeout, c.maxBody)
			}
		})
	}
}
