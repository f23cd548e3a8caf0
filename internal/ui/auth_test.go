package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"
)

const testToken = "correct horse battery staple"

// session mints a session cookie value of token whose clock is off by skew.
func session(token string, skew time.Duration) string {
	v, _ := newGate(token, func() time.Time { return time.Now().Add(skew) }).newSession()
	return v
}

// TestTokenRequired: with a token, each page needs it as a bearer header or
// a live session cookie of that token; anything else gets the login form.
func TestTokenRequired(t *testing.T) {
	e := newServer(t, fixtureSource(t), Options{Token: testToken})
	good := session(testToken, 0)
	exp, sig, _ := strings.Cut(good, ".")
	tests := []struct {
		name, target, auth, cookie string
		code                       int
		next                       string // the login form's next, when 401
	}{
		{"nothing", "/ui/", "", "", http.StatusUnauthorized, "/ui/"},
		{"nothing, escrow page", "/ui/escrow/ok-a", "", "", http.StatusUnauthorized, "/ui/escrow/ok-a"},
		{"nothing, diff", "/ui/diff?a=ok-a&b=race-b", "", "", http.StatusUnauthorized, "/ui/diff?a=ok-a&amp;b=race-b"},
		{"bearer", "/ui/", "Bearer " + testToken, "", http.StatusOK, ""},
		{"bearer, lower-case scheme", "/ui/escrow/ok-a", "bearer " + testToken, "", http.StatusOK, ""},
		{"wrong bearer", "/ui/", "Bearer nope", "", http.StatusUnauthorized, "/ui/"},
		{"token as basic", "/ui/", "Basic " + testToken, "", http.StatusUnauthorized, "/ui/"},
		{"empty bearer", "/ui/", "Bearer ", "", http.StatusUnauthorized, "/ui/"},
		{"session", "/ui/diff?a=ok-a&b=race-b", "", good, http.StatusOK, ""},
		{"session and wrong bearer", "/ui/", "Bearer nope", good, http.StatusOK, ""},
		{"expired session", "/ui/", "", session(testToken, -SessionTTL-time.Second), http.StatusUnauthorized, "/ui/"},
		{"session of another token", "/ui/", "", session("other token", 0), http.StatusUnauthorized, "/ui/"},
		{"session with a later expiry, same signature", "/ui/", "", "9999999999." + sig, http.StatusUnauthorized, "/ui/"},
		{"session without signature", "/ui/", "", exp, http.StatusUnauthorized, "/ui/"},
		{"session, signature not hex", "/ui/", "", exp + ".zz", http.StatusUnauthorized, "/ui/"},
		{"the token itself as cookie", "/ui/", "", testToken, http.StatusUnauthorized, "/ui/"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(http.MethodGet, tt.target, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.cookie != "" {
				req.AddCookie(&http.Cookie{Name: SessionCookie, Value: tt.cookie})
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.code {
				t.Fatalf("status %d, want %d", rec.Code, tt.code)
			}
			if rec.Header().Get("Content-Security-Policy") != ContentSecurityPolicy {
				t.Errorf("CSP %q", rec.Header().Get("Content-Security-Policy"))
			}
			body := rec.Body.String()
			if tt.code != http.StatusUnauthorized {
				if strings.Contains(body, `action="/ui/login"`) {
					t.Error("the page is the login form")
				}
				return
			}
			if rec.Header().Get("WWW-Authenticate") == "" {
				t.Error("401 without WWW-Authenticate")
			}
			for _, w := range []string{`<form class="login" method="post" action="/ui/login">`, `name="next" value="` + tt.next + `"`} {
				if !strings.Contains(body, w) {
					t.Errorf("login page lacks %q", w)
				}
			}
			for _, leak := range []string{"race-b", "already_multisig", testToken} {
				if strings.Contains(strings.ReplaceAll(body, tt.next, ""), leak) {
					t.Errorf("login page shows %q", leak)
				}
			}
		})
	}
}

// TestLogin: the form sets a session cookie only for the right token, sent
// from escrowd's own pages, and goes back only to a page under /ui/.
func TestLogin(t *testing.T) {
	e := newServer(t, fixtureSource(t), Options{Token: testToken})
	tests := []struct {
		name, token, next, origin string
		body                      string // replaces the form when set
		code                      int
		location                  string
		cookie                    bool
	}{
		{"right token", testToken, "/ui/escrow/race-b", "", "", http.StatusSeeOther, "/ui/escrow/race-b", true},
		{"right token, same origin", testToken, "/ui/diff?a=ok-a&b=race-b", "http://example.com", "", http.StatusSeeOther, "/ui/diff?a=ok-a&b=race-b", true},
		{"right token, no next", testToken, "", "", "", http.StatusSeeOther, "/ui/", true},
		{"next on another site", testToken, "//evil.example/ui/", "", "", http.StatusSeeOther, "/ui/", true},
		{"next absolute", testToken, "https://evil.example/ui/", "", "", http.StatusSeeOther, "/ui/", true},
		{"next outside the pages", testToken, "/api/escrows", "", "", http.StatusSeeOther, "/ui/", true},
		{"next with a header", testToken, "/ui/\r\nSet-Cookie: x=y", "", "", http.StatusSeeOther, "/ui/", true},
		{"wrong token", "nope", "/ui/", "", "", http.StatusUnauthorized, "", false},
		{"token with a suffix", testToken + "x", "/ui/", "", "", http.StatusUnauthorized, "", false},
		{"empty token", "", "/ui/", "", "", http.StatusUnauthorized, "", false},
		{"cross-site post", testToken, "/ui/", "https://evil.example", "", http.StatusForbidden, "", false},
		{"oversized form", "", "", "", "token=" + strings.Repeat("a", maxLoginBody), http.StatusRequestEntityTooLarge, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			body := tt.body
			if body == "" {
				body = url.Values{"token": {tt.token}, "next": {tt.next}}.Encode()
			}
			req := httptest.NewRequest(http.MethodPost, "/ui/login", strings.NewReader(body))
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.code {
				t.Fatalf("status %d, want %d\n%s", rec.Code, tt.code, rec.Body.String())
			}
			if got := rec.Header().Get("Location"); got != tt.location {
				t.Errorf("Location %q, want %q", got, tt.location)
			}
			cookies := rec.Result().Cookies()
			if !tt.cookie {
				if len(cookies) != 0 {
					t.Errorf("cookies set: %v", cookies)
				}
				return
			}
			if len(cookies) != 1 {
				t.Fatalf("cookies %v, want one", cookies)
			}
			c := cookies[0]
			if c.Name != SessionCookie || !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/ui/" ||
				c.MaxAge != int(SessionTTL.Seconds()) || c.Secure || strings.Contains(c.Value, testToken) {
				t.Errorf("cookie %+v", c)
			}
			// The cookie opens the pages.
			req = httptest.NewRequest(http.MethodGet, "/ui/escrow/race-b", nil)
			req.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
			rec = httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != http.StatusOK {
				t.Errorf("with the new cookie: status %d", rec.Code)
			}
		})
	}
}

func TestLoginFormAndLogout(t *testing.T) {
	e := newServer(t, fixtureSource(t), Options{Token: testToken})
	tests := []struct {
		name, method, target, auth, origin string
		code                               int
		location, want                     string
		clears                             bool
	}{
		{"form", http.MethodGet, "/ui/login?next=/ui/escrow/ok-a", "", "", http.StatusOK, "", `value="/ui/escrow/ok-a"`, false},
		{"form, foreign next", http.MethodGet, "/ui/login?next=https://evil.example", "", "", http.StatusOK, "", `name="next" value="/ui/"`, false},
		{"form when logged in", http.MethodGet, "/ui/login?next=/ui/diff", "Bearer " + testToken, "", http.StatusSeeOther, "/ui/diff", "", false},
		{"logout", http.MethodPost, "/ui/logout", "", "", http.StatusSeeOther, "/ui/login", "", true},
		{"cross-site logout", http.MethodPost, "/ui/logout", "", "https://evil.example", http.StatusForbidden, "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := httptest.NewRequest(tt.method, tt.target, nil)
			if tt.auth != "" {
				req.Header.Set("Authorization", tt.auth)
			}
			if tt.origin != "" {
				req.Header.Set("Origin", tt.origin)
			}
			rec := httptest.NewRecorder()
			e.ServeHTTP(rec, req)
			if rec.Code != tt.code || rec.Header().Get("Location") != tt.location {
				t.Fatalf("status %d Location %q, want %d %q", rec.Code, rec.Header().Get("Location"), tt.code, tt.location)
			}
			if !strings.Contains(rec.Body.String(), tt.want) {
				t.Errorf("body lacks %q", tt.want)
			}
			cookies := rec.Result().Cookies()
			if cleared := len(cookies) == 1 && cookies[0].Name == SessionCookie && cookies[0].MaxAge < 0; cleared != tt.clears {
				t.Errorf("cookies %v, clears %v", cookies, tt.clears)
			}
		})
	}
}

// TestNoToken: without a token the pages are open and there is no login.
func TestNoToken(t *testing.T) {
	e := newServer(t, fixtureSource(t), Options{})
	for target, code := range map[string]int{"/ui/": http.StatusOK, "/ui/escrow/ok-a": http.StatusOK, "/ui/login": http.StatusNotFound} {
		if rec := get(t, e, target); rec.Code != code {
			t.Errorf("GET %s: %d, want %d", target, rec.Code, code)
		}
	}
}

func TestSafeNext(t *testing.T) {
	tests := []struct{ in, want string }{
		{"/ui/", "/ui/"},
		{"/ui/escrow/a-1", "/ui/escrow/a-1"},
		{"/ui/diff?a=x&b=y", "/ui/diff?a=x&b=y"},
		{"", "/ui/"},
		{"/ui", "/ui/"},
		{"//evil.example/ui/", "/ui/"},
		{"/\\evil.example/ui/", "/ui/"},
		{"/ui/\\evil", "/ui/"},
		{"https://evil.example/ui/", "/ui/"},
		{"javascript:alert(1)", "/ui/"},
		{"/ui/\nLocation: x", "/ui/"},
	}
	for _, tt := range tests {
		if got := safeNext(tt.in); got != tt.want {
			t.Errorf("safeNext(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
