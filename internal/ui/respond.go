package ui

import (
	"bytes"
	"fmt"
	"net/http"

	"github.com/labstack/echo/v4"
)

func (h *handlers) badID(c echo.Context, id string) error {
	return h.errorPage(c, http.StatusBadRequest, "Bad request",
		fmt.Sprintf("%.80q is not an escrow ID (1 to 64 of A-Z a-z 0-9 _ -).", id))
}

func (h *handlers) renderError(c echo.Context, err error) error {
	h.log.ErrorContext(c.Request().Context(), "ui: render page", "err", err)
	return h.errorPage(c, http.StatusInternalServerError, "Page failed", "The page could not be rendered; see escrowd's log.")
}

type errorData struct {
	Code           int
	Title, Message string
}

func (h *handlers) errorPage(c echo.Context, code int, title, msg string) error {
	return h.render(c, code, "error", errorData{Code: code, Title: title, Message: msg})
}

func (h *handlers) render(c echo.Context, code int, name string, data any) error {
	var buf bytes.Buffer
	if err := pages.ExecuteTemplate(&buf, name, data); err != nil {
		h.log.ErrorContext(c.Request().Context(), "ui: render page", "page", name, "err", err)
		return c.String(http.StatusInternalServerError, "page failed; see escrowd's log")
	}
	return h.send(c, code, buf.Bytes())
}

func (h *handlers) send(c echo.Context, code int, body []byte) error {
	hdr := c.Response().Header()
	hdr.Set("Content-Security-Policy", ContentSecurityPolicy)
	hdr.Set("X-Content-Type-Options", "nosniff")
	hdr.Set("Referrer-Policy", "no-referrer")
	hdr.Set("Cache-Control", "no-store")
	return c.Blob(code, echo.MIMETextHTMLCharsetUTF8, body)
}
