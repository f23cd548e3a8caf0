package api_test

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetricsEndpoint: /metrics serves the metrics handler, behind the token
// when one is set (as /api/ is), and not at all when metrics are off.
func TestMetricsEndpoint(t *testing.T) {
	const token = "0123456789abcdef0123456789abcdef-metrics"
	served := http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		io.WriteString(w, "escrowd_escrows_total 1\n")
	})
	tests := []struct {
		name    string
		o       options
		auth    string
		status  int
		content string
	}{
		{name: "no token set", o: options{metrics: served}, status: 200, content: "escrowd_escrows_total"},
		{name: "token set, none given", o: options{metrics: served, token: token}, status: 401},
		{name: "token set, wrong one", o: options{metrics: served, token: token}, auth: "Bearer nope", status: 401},
		{name: "token set and given", o: options{metrics: served, token: token}, auth: "Bearer " + token, status: 200, content: "escrowd_escrows_total"},
		{name: "metrics off", o: options{}, status: 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t, tt.o)
			req, err := http.NewRequest(http.MethodGet, f.srv.URL+"/metrics", nil)
			if err != nil {
				t.Fatal(err)
			}
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.content) {
				t.Fatalf("GET /metrics = %d %q, want %d with %q", resp.StatusCode, body, tt.status, tt.content)
			}
		})
	}
}
