package api

import (
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"

	"github.com/labstack/echo/v4"
)

// recoverPanics turns a handler's panic into a 500 answer and a log entry, so
// that one bad request does not stop the daemon and its running escrows.
// (echo's own Recover lives in a package that pulls in a rate limiter we do
// not use.)
func recoverPanics(logger *slog.Logger) echo.MiddlewareFunc {
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) (err error) {
			defer func() {
				if p := recover(); p != nil {
					if p == http.ErrAbortHandler {
						panic(p)
					}
					logger.Error("handler panicked", "method", c.Request().Method, "path", c.Path(),
						"panic", fmt.Sprint(p), "stack", string(debug.Stack()))
					err = fail(http.StatusInternalServerError, "internal error")
				}
			}()
			return next(c)
		}
	}
}
