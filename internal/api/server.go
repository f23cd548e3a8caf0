package api

import (
	"errors"
	"log/slog"
	"net"
	"net/http"
	"time"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/propagation"
	oteltrace "go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/ui"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// Limits of the API.
const (
	// MaxBodyBytes bounds a request body; a larger one is refused with 413.
	MaxBodyBytes = 64 << 10
	// DefaultMaxWait caps ?wait= on POST /api/escrow/init and the
	// lifecycle's POSTs (fund, release, refund, resolve).
	DefaultMaxWait = 10 * time.Minute
	// Retry-After values, in seconds: an escrow takes 10-60 s, so a slot
	// frees within about that; a restarting daemon takes longer.
	retryAfterBusy     = "15"
	retryAfterShutdown = "30"
	defaultListLimit   = 50
	maxListLimit       = 1000
)

// Config configures the API.
type Config struct {
	Service *escrows.Service
	// TracesDir holds the escrow_<id>.json files; "" when instrumentation is off.
	TracesDir string
	// Token, when not empty, is required as a bearer token on /api/, and on
	// /ui/ as a bearer token or through the pages' login form.
	Token string
	// UI serves the pages of internal/ui under /ui/ over the service's
	// escrows and TracesDir.
	UI bool
	// JaegerUIURL, when set, is the Jaeger UI the pages link each trace to.
	JaegerUIURL string
	// Ready reports whether the wallet pool can take escrows (GET /readyz);
	// nil means always ready.
	Ready func() bool
	// TracerProvider makes the server spans; nil makes none.
	TracerProvider oteltrace.TracerProvider
	// Propagator reads the caller's trace context; nil means W3C trace context.
	Propagator propagation.TextMapPropagator
	// MaxWait caps ?wait=; default DefaultMaxWait.
	MaxWait time.Duration
	// Hosts are the Host names, besides loopback addresses and localhost,
	// that requests may name when Token is empty (e.g. the --listen host);
	// any other is refused (DNS rebinding). With a token any Host is served.
	Hosts []string
	// TrustedProxies are the networks of reverse proxies whose
	// X-Forwarded-For is believed for the client's address (client.address,
	// the logs, the login throttle). Empty: the socket's peer is the client.
	TrustedProxies []*net.IPNet
	// SecureCookies marks the pages' session cookie Secure on every request,
	// for when a TLS proxy is in front (a direct TLS request gets it anyway).
	SecureCookies bool
	// Metrics, when set, is served at GET /metrics (the Prometheus text
	// format), behind the token like /api/.
	Metrics http.Handler
	Logger  *slog.Logger
}

// New returns the API's HTTP handler.
func New(cfg Config) (http.Handler, error) {
	if cfg.Service == nil {
		return nil, errors.New("api: no escrow service")
	}
	if cfg.TracerProvider == nil {
		cfg.TracerProvider = noop.NewTracerProvider()
	}
	if cfg.Propagator == nil {
		cfg.Propagator = propagation.TraceContext{}
	}
	if cfg.MaxWait <= 0 {
		cfg.MaxWait = DefaultMaxWait
	}
	if cfg.Ready == nil {
		cfg.Ready = func() bool { return true }
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	h := &handlers{cfg: cfg}

	e := echo.New()
	e.HideBanner = true
	e.HidePort = true
	e.HTTPErrorHandler = errorHandler(cfg.Logger)
	e.IPExtractor = clientIP(cfg.TrustedProxies)
	// Refusals that need no token come first: a request from a page of
	// another site, or for a name that is not ours, does nothing at all.
	if cfg.Token == "" {
		e.Use(hostGuard(cfg.Hosts))
	}
	e.Use(originGuard())
	e.Use(recoverPanics(cfg.Logger))

	// Server spans start only once a request is authenticated, so that
	// nothing a client without the token sends reaches the trace buffers.
	// The probes have none: polled constantly, a span each would drown the
	// escrows' traces.
	spans := serverSpans(cfg.TracerProvider, cfg.Propagator)

	e.GET("/healthz", h.healthz)
	e.GET("/readyz", h.readyz)

	g := e.Group("/api")
	if cfg.Token != "" {
		g.Use(bearerAuth(cfg.Token))
	}
	g.Use(spans, requireJSON)
	g.POST("/escrow/init", h.initEscrow)
	g.GET("/escrow/:id", h.getEscrow)
	g.GET("/escrow/:id/trace", h.getTrace)
	g.GET("/escrows", h.listEscrows)
	g.POST("/escrow/:id/addresses", h.setAddresses)
	g.POST("/escrow/:id/fund", h.fund)
	g.POST("/escrow/:id/release", h.payout(escrow.PhaseRelease))
	g.POST("/escrow/:id/refund", h.payout(escrow.PhaseRefund))
	g.POST("/escrow/:id/resolve", h.payout(escrow.PhaseResolve))

	if cfg.Metrics != nil {
		m := e.Group("/metrics")
		if cfg.Token != "" {
			m.Use(bearerAuth(cfg.Token))
		}
		m.GET("", echo.WrapHandler(cfg.Metrics))
	}

	if cfg.UI {
		ui.Register(e, uiSource{escrows: cfg.Service, tracesDir: cfg.TracesDir}, ui.Options{
			JaegerUIURL: cfg.JaegerUIURL, Token: cfg.Token, TracingOff: cfg.TracesDir == "", Logger: cfg.Logger,
			Middleware: []echo.MiddlewareFunc{spans}, SecureCookies: cfg.SecureCookies,
		})
	}
	return e, nil
}

// clientIP is where a request's client address comes from: the socket's
// peer, or, when it is one of the trusted proxies, the nearest address in
// X-Forwarded-For that is not one of them. Without trusted proxies the
// header is ignored: any client could write any address into it.
func clientIP(trusted []*net.IPNet) echo.IPExtractor {
	if len(trusted) == 0 {
		return echo.ExtractIPDirect()
	}
	opts := []echo.TrustOption{echo.TrustLoopback(false), echo.TrustLinkLocal(false), echo.TrustPrivateNet(false)}
	for _, n := range trusted {
		opts = append(opts, echo.TrustIPRange(n))
	}
	return echo.ExtractIPFromXFFHeader(opts...)
}

type handlers struct {
	cfg Config
}

func (h *handlers) healthz(c echo.Context) error {
	return c.JSON(http.StatusOK, map[string]string{"status": "alive"})
}

func (h *handlers) readyz(c echo.Context) error {
	if !h.cfg.Ready() {
		return fail(http.StatusServiceUnavailable, "not ready: the wallet server pool has no healthy servers yet")
	}
	return c.JSON(http.StatusOK, map[string]string{"status": "ready"})
}
