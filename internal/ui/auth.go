package ui

import (
	"crypto/hmac"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/hex"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Sessions of the login form.
const (
	// SessionCookie is the cookie the login form sets: HttpOnly,
	// SameSite=Strict, path /ui/, Secure when the request came over TLS
	// (or Options.SecureCookies says a TLS proxy is in front).
	SessionCookie = "escrowd_ui"
	// SessionTTL is how long a login lasts.
	SessionTTL = 12 * time.Hour
)

// gate decides whether a request carries the token: as "Authorization:
// Bearer <token>" (scripts, curl) or as a session cookie (browsers, which
// send no bearer header).
//
// A session is "<expiry, unix seconds>.<hex HMAC-SHA256 keyed by the token of
// the expiry>". The cookie proves the token was given without holding it,
// ends by itself, and every session ends when the token changes. Nothing is
// kept on the server, so logging out only makes the browser forget it.
type gate struct {
	tokenHash [sha256.Size]byte
	key       []byte
	now       func() time.Time
	secure    bool // cookies are Secure even on plain HTTP: a TLS proxy is in front
}

func newGate(token string, now func() time.Time) *gate {
	return &gate{tokenHash: sha256.Sum256([]byte(token)), key: []byte(token), now: now}
}

// tokenOK compares in constant time; both sides are hashed first so that
// neither the token's bytes nor its length leak through timing.
func (g *gate) tokenOK(s string) bool {
	h := sha256.Sum256([]byte(s))
	return subtle.ConstantTimeCompare(h[:], g.tokenHash[:]) == 1
}

// allowed reports whether r carries the token or a live session.
func (g *gate) allowed(r *http.Request) bool {
	const scheme = "Bearer "
	if h := r.Header.Get("Authorization"); len(h) > len(scheme) && strings.EqualFold(h[:len(scheme)], scheme) {
		if g.tokenOK(strings.TrimSpace(h[len(scheme):])) {
			return true
		}
	}
	c, err := r.Cookie(SessionCookie)
	return err == nil && g.sessionOK(c.Value)
}

// newSession returns a session value that ends SessionTTL from now.
func (g *gate) newSession() (value string, expires time.Time) {
	expires = g.now().Add(SessionTTL).Truncate(time.Second)
	exp := strconv.FormatInt(expires.Unix(), 10)
	return exp + "." + hex.EncodeToString(g.sign(exp)), expires
}

func (g *gate) sessionOK(v string) bool {
	exp, sig, ok := strings.Cut(v, ".")
	if !ok {
		return false
	}
	n, err := strconv.ParseInt(exp, 10, 64)
	if err != nil || !g.now().Before(time.Unix(n, 0)) {
		return false
	}
	got, err := hex.DecodeString(sig)
	return err == nil && hmac.Equal(got, g.sign(exp))
}

func (g *gate) sign(exp string) []byte {
	m := hmac.New(sha256.New, g.key)
	m.Write([]byte("escrowd-ui-session\x00" + exp))
	return m.Sum(nil)
}

// cookie is the cookie of a session; an empty value with a negative MaxAge
// deletes it. It is Secure when the request came over TLS or a TLS proxy is
// in front.
func (g *gate) cookie(r *http.Request, value string, maxAge int) *http.Cookie {
	return &http.Cookie{
		Name: SessionCookie, Value: value, Path: "/ui/", MaxAge: maxAge,
		HttpOnly: true, SameSite: http.SameSiteStrictMode, Secure: r.TLS != nil || g.secure,
	}
}
