package ui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"

	"github.com/labstack/echo/v4"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Limits of the list page.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
	// maxErrorChars bounds an escrow's error on the list; its page has it all.
	maxErrorChars = 240
)

// ContentSecurityPolicy is sent with every page: nothing is loaded from
// anywhere (the pages have inline CSS and SVG only, and no script), forms go
// back to escrowd only, and no other site may frame the pages.
const ContentSecurityPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Options configure the pages.
type Options struct {
	// JaegerUIURL, when set, adds a link to each escrow's trace in the Jaeger UI.
	JaegerUIURL string
	// Slow is the slow_rpc threshold of the analyses; zero means the default.
	Slow   analysis.SlowThreshold
	Logger *slog.Logger
}

// Router is what Register mounts on: an *echo.Echo, or an *echo.Group with
// an empty prefix (for middleware such as authentication) since the pages
// link to each other under /ui/.
type Router interface {
	GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
}

//go:embed templates/*.tmpl
var templateFS embed.FS

// pages is parsed once and only read afterwards.
var pages = template.Must(template.New("ui").ParseFS(templateFS, "templates/*.tmpl"))

type handlers struct {
	src  Source
	opts Options
	log  *slog.Logger
}

// Register serves GET /ui/, /ui/escrow/:id and /ui/diff?a=&b= from src.
func Register(r Router, src Source, opts Options) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handlers{src: src, opts: opts, log: log}
	r.GET("/ui", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/ui/") })
	r.GET("/ui/", h.index)
	r.GET("/ui/escrow/:id", h.escrow)
	r.GET("/ui/diff", h.diff)
}

func (h *handlers) escrow(c echo.Context) error {
	id := c.Param("id")
	if !escrowtrace.ValidEscrowID(id) {
		return h.badID(c, id)
	}
	f, err := h.load(c, id)
	if err != nil {
		return h.loadError(c, id, err)
	}
	a := analysis.Analyze(f, analysis.Options{Slow: h.opts.Slow})
	var buf bytes.Buffer
	if err := analysis.WriteEscrowHTML(&buf, a, h.htmlOptions()); err != nil {
		return h.renderError(c, err)
	}
	return h.send(c, http.StatusOK, buf.Bytes())
}

func (h *handlers) diff(c echo.Context) error {
	a, b := c.QueryParam("a"), c.QueryParam("b")
	if a == "" || b == "" {
		return h.errorPage(c, http.StatusBadRequest, "Bad request",
			"Give two escrow IDs to compare: /ui/diff?a=ID&b=ID.")
	}
	var files [2]*escrowtrace.File
	for i, id := range []string{a, b} {
		if !escrowtrace.ValidEscrowID(id) {
			return h.badID(c, id)
		}
		f, err := h.load(c, id)
		if err != nil {
			return h.loadError(c, id, err)
		}
		files[i] = f
	}
	var buf bytes.Buffer
	if err := analysis.WriteDiffHTML(&buf, analysis.Compare(files[0], files[1]), h.htmlOptions()); err != nil {
		return h.renderError(c, err)
	}
	return h.send(c, http.StatusOK, buf.Bytes())
}

func (h *handlers) htmlOptions() analysis.HTMLOptions {
	return analysis.HTMLOptions{JaegerURL: h.opts.JaegerUIURL, Links: escrowURL, IndexURL: "/ui/"}
}

// load reads an escrow's trace file through the Source.
func (h *handlers) load(c echo.Context, id string) (*escrowtrace.File, error) {
	path, err := h.src.TracePath(id)
	if err != nil {
		return nil, fmt.Errorf("trace of escrow %s: %w", id, err)
	}
	f, err := analysis.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("trace of escrow %s: %w", id, err)
	}
	return f, nil
}

func (h *handlers) loadError(c echo.Context, id string, err error) error {
	if errors.Is(err, ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return h.errorPage(c, http.StatusNotFound, "Escrow not found",
			"There is no trace for escrow "+strconv.Quote(id)+": the escrow is unknown, has not started, or ran with tracing off.")
	}
	// The detail names files on the server: it goes to the log, not the page.
	h.log.ErrorContext(c.Request().Context(), "ui: read trace", "escrow", id, "err", err)
	return h.errorPage(c, http.StatusInternalServerError, "Trace unreadable",
		"The trace of escrow "+strconv.Quote(id)+" could not be read; see escrowd's log.")
}

func escrowURL(id string) string { return "/ui/escrow/" + url.PathEscape(id) }
