package api

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"

	"github.com/labstack/echo/v4"
)

// errorBody is the one shape of every error answer.
type errorBody struct {
	Error string `json:"error"`
}

// fail is an error answer with a status code; handlers return it.
func fail(code int, format string, args ...any) error {
	return echo.NewHTTPError(code, fmt.Sprintf(format, args...))
}

// errorHandler renders every error as {"error": "..."}. Errors that are not
// an *echo.HTTPError are ours: logged, and answered 500 without details.
func errorHandler(logger *slog.Logger) echo.HTTPErrorHandler {
	return func(err error, c echo.Context) {
		if c.Response().Committed {
			return
		}
		code, msg := http.StatusInternalServerError, "internal error"
		var he *echo.HTTPError
		if errors.As(err, &he) {
			code = he.Code
			if m, ok := he.Message.(string); ok {
				msg = m
			} else {
				msg = http.StatusText(code)
			}
			if he.Internal != nil {
				logger.Warn("request failed", "method", c.Request().Method, "path", c.Path(), "status", code, "remote", c.RealIP(), "err", he.Internal)
			}
		} else {
			logger.Error("request failed", "method", c.Request().Method, "path", c.Path(), "remote", c.RealIP(), "err", err)
		}
		var werr error
		if c.Request().Method == http.MethodHead {
			werr = c.NoContent(code)
		} else {
			werr = c.JSON(code, errorBody{Error: msg})
		}
		if werr != nil {
			logger.Debug("cannot write error answer", "err", werr)
		}
	}
}
