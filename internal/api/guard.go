package api

import (
	"mime"
	"net"
	"net/http"
	"net/url"
	"strings"

	"github.com/labstack/echo/v4"
)

// hostGuard answers 421 to a request whose Host is not one of escrowd's
// names. It runs when no token is set: the API is then open to anything that
// reaches the loopback listener, and a DNS-rebinding page (a site whose name
// the attacker re-points at 127.0.0.1) reaches it with its own name in Host.
// Loopback addresses, "localhost" and the configured names are escrowd's.
func hostGuard(allowed []string) echo.MiddlewareFunc {
	names := make(map[string]bool, len(allowed))
	for _, h := range allowed {
		names[normalHost(h)] = true
	}
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			host := hostName(c.Request().Host)
			if names[host] || host == "localhost" || isLoopbackIP(host) {
				return next(c)
			}
			return fail(http.StatusMisdirectedRequest,
				"Host %.100q is not a name of this escrowd: without ESCROWD_API_TOKEN it answers only to loopback names (127.0.0.1, [::1], localhost) and its --listen host, so that no web page can reach it under a name of its own (DNS rebinding)",
				c.Request().Host)
		}
	}
}

// originGuard answers 403 to a request that a browser sent from another
// site: its Origin header names a host other than the one the request is
// for (or is "null", as from a sandboxed frame or a file). A web page the
// operator opens cannot then create escrows through the loopback listener
// (CSRF). Clients other than browsers send no Origin and pass.
func originGuard() echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			r := c.Request()
			o := r.Header.Get(echo.HeaderOrigin)
			if o == "" || sameOrigin(o, r.Host) {
				return next(c)
			}
			return fail(http.StatusForbidden,
				"Origin %.100q is not this escrowd (%.100q): requests sent by another site's page are refused (cross-site request forgery guard)", o, r.Host)
		}
	}
}

func sameOrigin(origin, host string) bool {
	u, err := url.Parse(origin)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return false
	}
	return strings.EqualFold(u.Host, host)
}

// requireJSON answers 415 to a POST whose body is not declared JSON. A
// browser sends a cross-site form or a text/plain fetch without asking
// first; application/json it may only send after a CORS preflight, which
// escrowd never grants.
func requireJSON(next echo.HandlerFunc) echo.HandlerFunc {
	return func(c echo.Context) error {
		r := c.Request()
		if r.Method != http.MethodPost {
			return next(c)
		}
		ct := r.Header.Get(echo.HeaderContentType)
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || mt != echo.MIMEApplicationJSON {
			return fail(http.StatusUnsupportedMediaType,
				"Content-Type %.80q: send the body as JSON with the header Content-Type: application/json", ct)
		}
		return next(c)
	}
}

// hostName is a Host header's name without its port, lower case, without
// IPv6 brackets or a trailing dot.
func hostName(hostport string) string {
	h := hostport
	if host, _, err := net.SplitHostPort(hostport); err == nil {
		h = host
	}
	return normalHost(h)
}

func normalHost(h string) string {
	h = strings.TrimSuffix(strings.TrimPrefix(h, "["), "]")
	return strings.TrimSuffix(strings.ToLower(h), ".")
}

func isLoopbackIP(h string) bool {
	ip := net.ParseIP(h)
	return ip != nil && ip.IsLoopback()
}
