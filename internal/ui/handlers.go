package ui

import (
	"bytes"
	"embed"
	"errors"
	"fmt"
	"html/template"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/labstack/echo/v4"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Limits of the list page.
const (
	DefaultListLimit = 50
	MaxListLimit     = 500
	// maxErrorChars bounds an escrow's error on the list; its page has it all.
	maxErrorChars = 240
	// maxTraceBytes bounds a trace file read for a page: a real one is tens
	// of KB (a few hundred with the otlp section).
	maxTraceBytes = 64 << 20
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
	Slow analysis.SlowThreshold
	// Token, when not empty, is required on every page: as a bearer token,
	// or through the session cookie that the login form at /ui/login sets
	// (browsers send no bearer header). escrowd passes its API token.
	Token string
	// TracingOff says that escrowd writes no trace files, so the list says
	// why no escrow has a page.
	TracingOff bool
	// Middleware runs on the pages after the token check (escrowd's server
	// spans: a request refused 401 gets none). The login form has none.
	Middleware []echo.MiddlewareFunc
	// SecureCookies marks the session cookie Secure on every request, for
	// when a TLS proxy is in front; a request that came over TLS gets it
	// anyway.
	SecureCookies bool
	// LoginFailures and LoginWindow throttle the login form per client
	// address (echo's RealIP: configure its IPExtractor): past
	// LoginFailures wrong tokens within LoginWindow, it answers 429 with
	// Retry-After until the window ends. Defaults 5 and 1 minute.
	LoginFailures int
	LoginWindow   time.Duration
	Logger        *slog.Logger
}

// Router is what Register mounts on: an *echo.Echo, or an *echo.Group with
// an empty prefix (for middleware of the caller's) since the pages link to
// each other under /ui/.
type Router interface {
	GET(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
	POST(path string, h echo.HandlerFunc, m ...echo.MiddlewareFunc) *echo.Route
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
// With opts.Token it also serves the login form (GET and POST /ui/login,
// POST /ui/logout) and the pages require the token.
func Register(r Router, src Source, opts Options) {
	log := opts.Logger
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	h := &handlers{src: src, opts: opts, log: log}
	var mw []echo.MiddlewareFunc
	if opts.Token != "" {
		g := newGate(opts.Token, time.Now)
		g.secure = opts.SecureCookies
		mw = append(mw, h.requireToken(g))
		th := newThrottle(opts.LoginFailures, opts.LoginWindow, time.Now)
		r.GET("/ui/login", h.loginForm(g))
		r.POST("/ui/login", h.login(g, th))
		r.POST("/ui/logout", h.logout(g))
	}
	mw = append(mw, opts.Middleware...)
	r.GET("/ui", func(c echo.Context) error { return c.Redirect(http.StatusMovedPermanently, "/ui/") })
	r.GET("/ui/", h.index, mw...)
	r.GET("/ui/escrow/:id", h.escrow, mw...)
	r.GET("/ui/diff", h.diff, mw...)
}

func (h *handlers) escrow(c echo.Context) error {
	id := c.Param("id")
	if !escrow.ValidID(id) {
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
		if !escrow.ValidID(id) {
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

// load reads an escrow's trace file through the Source, at most
// maxTraceBytes of it.
func (h *handlers) load(c echo.Context, id string) (*escrowtrace.File, error) {
	rc, err := h.src.OpenTrace(c.Request().Context(), id)
	if err != nil {
		return nil, fmt.Errorf("trace of escrow %s: %w", id, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxTraceBytes+1))
	if err != nil {
		return nil, fmt.Errorf("trace of escrow %s: %w", id, err)
	}
	if len(data) > maxTraceBytes {
		return nil, fmt.Errorf("trace of escrow %s: larger than %d MiB: not an escrow trace", id, maxTraceBytes>>20)
	}
	f, _, err := analysis.Parse(data)
	if err != nil {
		return nil, fmt.Errorf("trace of escrow %s: %w", id, err)
	}
	return f, nil
}

func (h *handlers) loadError(c echo.Context, id string, err error) error {
	if errors.Is(err, ErrTracingOff) {
		return h.errorPage(c, http.StatusNotFound, "Tracing is off",
			"Escrow "+strconv.Quote(id)+" has no trace because escrowd writes no trace files: "+tracingOffHelp)
	}
	if errors.Is(err, ErrNotFound) || errors.Is(err, fs.ErrNotExist) {
		return h.errorPage(c, http.StatusNotFound, "Escrow not found",
			"There is no trace for escrow "+strconv.Quote(id)+": the escrow is unknown, has not started, or ran with tracing off.")
	}
	// The detail names files on the server: it goes to the log, not the page.
	h.log.ErrorContext(c.Request().Context(), "ui: read trace", "escrow_id", id, "err", err)
	return h.errorPage(c, http.StatusInternalServerError, "Trace unreadable",
		"The trace of escrow "+strconv.Quote(id)+" could not be read; see escrowd's log.")
}

// tracingOffHelp says how to get traces; the list and the escrow pages show it.
const tracingOffHelp = "start escrowd with ENABLE_INSTRUMENTATION=1 (or --instrument=true) and a traces directory (--traces-dir) to trace new escrows."

func escrowURL(id string) string { return "/ui/escrow/" + url.PathEscape(id) }
