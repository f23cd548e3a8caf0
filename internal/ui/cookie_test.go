package ui

import (
	"net/http"
	"strings"
	"testing"
)

// TestSecureCookies: behind a TLS proxy (Options.SecureCookies) the session
// cookie is Secure although the request reached escrowd in clear.
func TestSecureCookies(t *testing.T) {
	for _, secure := range []bool{false, true} {
		e := newServer(t, fixtureSource(t), Options{Token: testToken, SecureCookies: secure})
		rec := postLogin(e, "192.0.2.1:1", testToken)
		if rec.Code != http.StatusSeeOther {
			t.Fatalf("login: %d", rec.Code)
		}
		c := rec.Header().Get("Set-Cookie")
		if got := strings.Contains(c, "; Secure"); got != secure {
			t.Errorf("SecureCookies=%v: cookie %q", secure, c)
		}
	}
}
