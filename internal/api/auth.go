package api

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"

	"github.com/labstack/echo/v4"
)

// bearerAuth requires "Authorization: Bearer <token>". Both sides are hashed
// before the constant-time compare so that neither the token's bytes nor its
// length leak through timing.
func bearerAuth(token string) echo.MiddlewareFunc {
	want := sha256.Sum256([]byte(token))
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			const scheme = "Bearer "
			h := c.Request().Header.Get(echo.HeaderAuthorization)
			if len(h) < len(scheme) || !strings.EqualFold(h[:len(scheme)], scheme) {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="escrowd"`)
				return fail(http.StatusUnauthorized, "missing bearer token: send the header Authorization: Bearer <token> (the daemon's ESCROWD_API_TOKEN)")
			}
			got := sha256.Sum256([]byte(strings.TrimSpace(h[len(scheme):])))
			if subtle.ConstantTimeCompare(got[:], want[:]) != 1 {
				c.Response().Header().Set(echo.HeaderWWWAuthenticate, `Bearer realm="escrowd", error="invalid_token"`)
				return fail(http.StatusUnauthorized, "invalid bearer token")
			}
			return next(c)
		}
	}
}
