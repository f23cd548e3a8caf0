package ui

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"
)

func postLogin(e http.Handler, remote, token string) *httptest.ResponseRecorder {
	body := url.Values{"token": {token}, "next": {"/ui/"}}.Encode()
	req := httptest.NewRequest(http.MethodPost, "/ui/login", strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.RemoteAddr = remote
	rec := httptest.NewRecorder()
	e.ServeHTTP(rec, req)
	return rec
}

// TestLoginThrottled: past LoginFailures wrong tokens from one address the
// form answers 429 with Retry-After, even to the right token, while other
// addresses are not affected.
func TestLoginThrottled(t *testing.T) {
	e := newServer(t, fixtureSource(t), Options{Token: testToken, LoginFailures: 3, LoginWindow: time.Hour})
	for i := range 3 {
		if rec := postLogin(e, "192.0.2.1:4000", "wrong"); rec.Code != http.StatusUnauthorized {
			t.Fatalf("wrong token %d: %d", i+1, rec.Code)
		}
	}
	for _, token := range []string{"wrong", testToken} {
		rec := postLogin(e, "192.0.2.1:4001", token)
		if rec.Code != http.StatusTooManyRequests {
			t.Fatalf("after 3 failures: %d, want 429", rec.Code)
		}
		secs, err := strconv.Atoi(rec.Header().Get("Retry-After"))
		if err != nil || secs <= 0 || secs > 3600 {
			t.Errorf("Retry-After %q", rec.Header().Get("Retry-After"))
		}
		if rec.Header().Get("Set-Cookie") != "" {
			t.Error("a throttled login set a cookie")
		}
	}
	if rec := postLogin(e, "198.51.100.2:4000", testToken); rec.Code != http.StatusSeeOther {
		t.Errorf("another address, right token: %d, want 303", rec.Code)
	}
}

func TestThrottleWindow(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	th := newThrottle(2, time.Minute, func() time.Time { return now })
	th.fail("a")
	if th.blocked("a") != 0 {
		t.Fatal("blocked after one failure of two")
	}
	th.fail("a")
	if got := th.blocked("a"); got != time.Minute {
		t.Fatalf("blocked %v after two failures, want the whole window", got)
	}
	now = now.Add(59 * time.Second)
	if got := th.blocked("a"); got != time.Second {
		t.Fatalf("blocked %v one second before the end", got)
	}
	now = now.Add(time.Second)
	if got := th.blocked("a"); got != 0 {
		t.Fatalf("blocked %v after the window", got)
	}
	// Bounded memory: when every slot is a live client, a new one waits.
	for i := range maxThrottled {
		th.fail(strconv.Itoa(i))
	}
	if th.blocked("newcomer") == 0 {
		t.Error("a new client passed a full throttle")
	}
	now = now.Add(time.Minute)
	if th.blocked("newcomer") != 0 {
		t.Error("a new client still throttled once the others' windows ended")
	}
}
