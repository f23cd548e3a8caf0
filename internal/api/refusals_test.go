package api_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestInitRefusals: every bad request is refused before any work, with a
// JSON error that says what is wrong, and nothing is stored.
func TestInitRefusals(t *testing.T) {
	f := newFixture(t, options{})
	big := `{"buyer_id":"b","vendor_id":"v","amount":1,"x":"` + strings.Repeat("a", 64<<10) + `"}`
	tests := []struct {
		name     string
		query    string
		body     string
		wantCode int
		wantMsg  string
	}{
		{"empty body", "", "", 400, "request body is empty"},
		{"malformed JSON", "", `{"buyer_id": "b",`, 400, "malformed JSON"},
		{"syntax error", "", `{"buyer_id" "b"}`, 400, "malformed JSON at byte"},
		{"not an object", "", `[1,2]`, 400, "must be a JSON object"},
		{"two objects", "", `{"buyer_id":"b","vendor_id":"v","amount":1}{}`, 400, "nothing after it"},
		{"unknown field", "", `{"buyer_id":"b","vendor_id":"v","amount":1,"memo":"x"}`, 400, `unknown field "memo"`},
		{"field in other case", "", `{"Buyer_ID":"b","vendor_id":"v","amount":1}`, 400, `unknown field "Buyer_ID"`},
		{"duplicate field", "", `{"buyer_id":"b","buyer_id":"c","vendor_id":"v","amount":1}`, 400, `"buyer_id" appears twice`},
		{"missing fields", "", `{"vendor_id":"v"}`, 400, "missing field(s): buyer_id, amount"},
		{"buyer not a string", "", `{"buyer_id":7,"vendor_id":"v","amount":1}`, 400, "buyer_id: must be a JSON string"},
		{"vendor null", "", `{"buyer_id":"b","vendor_id":null,"amount":1}`, 400, "vendor_id: must be a JSON string"},
		{"empty buyer", "", `{"buyer_id":"","vendor_id":"v","amount":1}`, 400, "buyer_id: must not be empty"},
		{"buyer with slash", "", `{"buyer_id":"../x","vendor_id":"v","amount":1}`, 400, "buyer_id: may contain only"},
		{"vendor 65 chars", "", `{"buyer_id":"b","vendor_id":"` + strings.Repeat("v", 65) + `","amount":1}`, 400, "vendor_id: is 65 bytes long, at most 64"},
		{"buyer is the vendor", "", `{"buyer_id":"same","vendor_id":"same","amount":1}`, 400, "vendor_id: must differ from buyer_id"},
		{"amount 0", "", `{"buyer_id":"b","vendor_id":"v","amount":0}`, 400, "amount: must be at least 1"},
		{"amount negative", "", `{"buyer_id":"b","vendor_id":"v","amount":-5}`, 400, "amount: must not be negative"},
		{"amount fraction", "", `{"buyer_id":"b","vendor_id":"v","amount":1.5}`, 400, "amount: must be a whole number"},
		{"amount exponent", "", `{"buyer_id":"b","vendor_id":"v","amount":1e12}`, 400, "amount: must be a whole number"},
		{"amount above supply", "", `{"buyer_id":"b","vendor_id":"v","amount":18446744073709551616}`, 400, "amount: exceeds Monero's money supply"},
		{"amount string", "", `{"buyer_id":"b","vendor_id":"v","amount":"100"}`, 400, "amount: must be a JSON number, not a string"},
		{"amount bool", "", `{"buyer_id":"b","vendor_id":"v","amount":true}`, 400, "amount: must be a JSON number"},
		{"body over 64 KiB", "", big, 413, "at most 65536"},
		{"bad wait", "?wait=soon", `{"buyer_id":"b","vendor_id":"v","amount":1}`, 400, `wait="soon"`},
		{"negative wait", "?wait=-1s", `{"buyer_id":"b","vendor_id":"v","amount":1}`, 400, "must not be negative"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do(t, http.MethodPost, "/api/escrow/init"+tt.query, tt.body, nil)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.wantCode, body)
			}
			msg, _ := body["error"].(string)
			if !strings.Contains(msg, tt.wantMsg) {
				t.Fatalf("error %q, want it to contain %q", msg, tt.wantMsg)
			}
			if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
				t.Fatalf("Content-Type %q", ct)
			}
			if n := f.count(t); n != 0 {
				t.Fatalf("%d escrows stored after a refused request", n)
			}
		})
	}
}

// TestBodyLimitWithoutContentLength covers a chunked body, whose size is only
// known while it is read.
func TestBodyLimitWithoutContentLength(t *testing.T) {
	f := newFixture(t, options{})
	body := `{"buyer_id":"b","vendor_id":"v","amount":1,"x":"` + strings.Repeat("a", 70<<10) + `"}`
	req, err := http.NewRequest(http.MethodPost, f.srv.URL+"/api/escrow/init", struct{ *strings.Reader }{strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	req.ContentLength = -1
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Fatalf("status %d, want 413", resp.StatusCode)
	}
	if n := f.count(t); n != 0 {
		t.Fatalf("%d escrows stored", n)
	}
}

func TestBusyRefusal(t *testing.T) {
	f := newFixture(t, options{maxInFlight: 1, gate: true})
	ok := `{"buyer_id":"b","vendor_id":"v","amount":1}`
	if resp, body := f.do(t, http.MethodPost, "/api/escrow/init", ok, nil); resp.StatusCode != http.StatusAccepted {
		t.Fatalf("first: %d %v", resp.StatusCode, body)
	}
	<-f.runner.Started
	resp, body := f.do(t, http.MethodPost, "/api/escrow/init", ok, nil)
	if resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("second: %d %v", resp.StatusCode, body)
	}
	if resp.Header.Get("Retry-After") == "" {
		t.Error("no Retry-After on 503")
	}
	if msg, _ := body["error"].(string); !strings.Contains(msg, "too many escrows in flight") {
		t.Errorf("error %q", msg)
	}
	if n := f.count(t); n != 1 {
		t.Fatalf("%d escrows stored, want only the first", n)
	}
}

func TestLookupRefusals(t *testing.T) {
	f := newFixture(t, options{})
	tests := []struct {
		name     string
		path     string
		wantCode int
		wantMsg  string
	}{
		{"unknown escrow", "/api/escrow/0b8e5d4e-0000-4000-8000-000000000000", 404, "unknown escrow id"},
		{"unknown escrow trace", "/api/escrow/nope/trace", 404, "unknown escrow id"},
		{"malformed id", "/api/escrow/a.b", 400, "malformed"},
		{"bad status", "/api/escrows?status=done", 400, "want one of pending, running, ready, funded, paying_out, released, refunded, resolved, failed"},
		{"bad limit", "/api/escrows?limit=0", 400, "limit"},
		{"limit too big", "/api/escrows?limit=100000", 400, "limit"},
		{"no such route", "/api/nothing", 404, "Not Found"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := f.do(t, http.MethodGet, tt.path, "", nil)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.wantCode, body)
			}
			if msg, _ := body["error"].(string); !strings.Contains(msg, tt.wantMsg) {
				t.Fatalf("error %q, want %q", msg, tt.wantMsg)
			}
		})
	}
}

func TestBearerToken(t *testing.T) {
	f := newFixture(t, options{token: "s3cret-token"})
	ok := `{"buyer_id":"b","vendor_id":"v","amount":1}`
	tests := []struct {
		name     string
		auth     string
		wantCode int
		wantMsg  string
	}{
		{"none", "", 401, "missing bearer token"},
		{"basic", "Basic czNjcmV0", 401, "missing bearer token"},
		{"wrong", "Bearer s3cret-tokeN", 401, "invalid bearer token"},
		{"prefix", "Bearer s3cret", 401, "invalid bearer token"},
		{"right", "Bearer s3cret-token", 202, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := f.count(t)
			h := http.Header{}
			if tt.auth != "" {
				h.Set("Authorization", tt.auth)
			}
			resp, body := f.do(t, http.MethodPost, "/api/escrow/init", ok, h)
			if resp.StatusCode != tt.wantCode {
				t.Fatalf("status %d, want %d (%v)", resp.StatusCode, tt.wantCode, body)
			}
			if tt.wantCode == 401 {
				if msg, _ := body["error"].(string); !strings.Contains(msg, tt.wantMsg) {
					t.Fatalf("error %q, want %q", msg, tt.wantMsg)
				}
				if resp.Header.Get("WWW-Authenticate") == "" {
					t.Error("401 without WWW-Authenticate")
				}
				if n := f.count(t); n != before {
					t.Fatalf("stored %d escrows for a refused request", n-before)
				}
			}
		})
	}
	// The probes stay open: they reveal nothing and orchestrators call them bare.
	if resp, _ := f.do(t, http.MethodGet, "/healthz", "", nil); resp.StatusCode != 200 {
		t.Errorf("healthz without token: %d", resp.StatusCode)
	}
}
