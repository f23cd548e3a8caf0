package ui

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/labstack/echo/v4"
)

// maxLoginBody bounds the login form's body; a token is far shorter.
const maxLoginBody = 4 << 10

type loginData struct {
	Code          int
	Message, Next string
	TTL           string
}

// requireToken lets through requests that carry the token or a session, and
// answers the others 401 with the login form, which comes back to the page
// asked for.
func (h *handlers) requireToken(g *gate) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			if g.allowed(c.Request()) {
				return next(c)
			}
			c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="escrowd"`)
			return h.loginPage(c, http.StatusUnauthorized, "", c.Request().URL.RequestURI())
		}
	}
}

func (h *handlers) loginForm(g *gate) echo.HandlerFunc {
	return func(c echo.Context) error {
		next := safeNext(c.QueryParam("next"))
		if g.allowed(c.Request()) {
			return c.Redirect(http.StatusSeeOther, next)
		}
		return h.loginPage(c, http.StatusOK, "", next)
	}
}

// login is POST /ui/login: a right token sets the session cookie and goes
// on to the page asked for; a wrong one shows the form again, 401. A client
// with too many wrong tokens lately is answered 429 without the token being
// looked at.
func (h *handlers) login(g *gate, th *throttle) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if !sameOrigin(r) {
			return h.errorPage(c, http.StatusForbidden, "Forbidden", "The login form must be sent from escrowd's own pages.")
		}
		client := c.RealIP()
		if wait := th.blocked(client); wait > 0 {
			secs := int((wait + time.Second - 1) / time.Second)
			c.Response().Header().Set(echo.HeaderRetryAfter, strconv.Itoa(secs))
			h.log.WarnContext(r.Context(), "ui: login throttled: too many wrong tokens", "remote", client, "retry_after_s", secs)
			return h.errorPage(c, http.StatusTooManyRequests, "Too many attempts",
				fmt.Sprintf("Too many wrong tokens from your address: try again in %d seconds.", secs))
		}
		r.Body = http.MaxBytesReader(c.Response(), r.Body, maxLoginBody)
		if err := r.ParseForm(); err != nil {
			var mbe *http.MaxBytesError
			if errors.As(err, &mbe) {
				return h.errorPage(c, http.StatusRequestEntityTooLarge, "Request too large", "The login form is too large.")
			}
			return h.errorPage(c, http.StatusBadRequest, "Bad request", "The login form could not be read.")
		}
		next := safeNext(r.PostForm.Get("next"))
		if !g.tokenOK(r.PostForm.Get("token")) {
			th.fail(client)
			// Never the token, not even a wrong one: it may be a real one mistyped.
			h.log.WarnContext(r.Context(), "ui: login refused: wrong token", "remote", client)
			return h.loginPage(c, http.StatusUnauthorized, "Wrong token.", next)
		}
		value, _ := g.newSession()
		c.SetCookie(g.cookie(r, value, int(SessionTTL.Seconds())))
		return c.Redirect(http.StatusSeeOther, next)
	}
}

// logout is POST /ui/logout: the browser forgets its session.
func (h *handlers) logout(g *gate) echo.HandlerFunc {
	return func(c echo.Context) error {
		if !sameOrigin(c.Request()) {
			return h.errorPage(c, http.StatusForbidden, "Forbidden", "The logout form must be sent from escrowd's own pages.")
		}
		c.SetCookie(g.cookie(c.Request(), "", -1))
		return c.Redirect(http.StatusSeeOther, "/ui/login")
	}
}

func (h *handlers) loginPage(c echo.Context, code int, msg, next string) error {
	return h.render(c, code, "login", loginData{Code: code, Message: msg, Next: safeNext(next), TTL: fmt.Sprintf("%.0f hours", SessionTTL.Hours())})
}

// safeNext keeps a redirect target on escrowd's pages: a path under /ui/,
// never another site ("//evil", "https://evil") nor a header injection.
func safeNext(s string) string {
	if !strings.HasPrefix(s, "/ui/") || strings.ContainsAny(s, "\\\r\n") {
		return "/ui/"
	}
	return s
}

// sameOrigin refuses a form posted from another site. Browsers send Origin
// with every POST; a client without it (curl) is no cross-site forgery.
func sameOrigin(r *http.Request) bool {
	o := r.Header.Get("Origin")
	if o == "" {
		return true
	}
	u, err := url.Parse(o)
	return err == nil && u.Host == r.Host
}
