package api

import (
	"net/http"
	"strconv"

	"github.com/labstack/echo/v4"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/propagation"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	oteltrace "go.opentelemetry.io/otel/trace"
)

// tracerName is the instrumentation scope of the server spans.
const tracerName = "github.com/escrowd/escrowd/internal/api"

// serverSpans starts a server span per request, continuing the caller's trace
// when the request carries W3C trace context. It is our own rather than
// contrib's otelecho, whose last release is built on an old semantic
// convention version and pulls in propagators we do not use.
//
// The span is the request context's span, so that a handler that starts an
// escrow hands it on to be linked from the escrow's trace.
//
// It runs after authentication (New mounts it so): a request refused 401 has
// no span, so it cannot reach the trace buffers. The caller's trace context
// is continued for the request's own span only; the file exporter keeps no
// span with a remote parent, so a traceparent that names an escrow's trace
// cannot add to or rewrite that escrow's file.
func serverSpans(tp oteltrace.TracerProvider, prop propagation.TextMapPropagator) echo.MiddlewareFunc {
	tracer := tp.Tracer(tracerName)
	return func(next echo.HandlerFunc) echo.HandlerFunc {
		return func(c echo.Context) error {
			req := c.Request()
			route := c.Path() // the route pattern, e.g. /api/escrow/:id; the router ran before us
			ctx := prop.Extract(req.Context(), propagation.HeaderCarrier(req.Header))
			name := req.Method
			if route != "" {
				name += " " + route
			}
			ctx, span := tracer.Start(ctx, name,
				oteltrace.WithSpanKind(oteltrace.SpanKindServer),
				oteltrace.WithAttributes(
					semconv.HTTPRequestMethodKey.String(req.Method),
					semconv.HTTPRoute(route),
					semconv.URLPath(req.URL.Path),
					semconv.URLScheme(c.Scheme()),
					semconv.ClientAddress(c.RealIP()),
					semconv.UserAgentOriginal(req.UserAgent()),
				))
			defer span.End()
			c.SetRequest(req.WithContext(ctx))

			// Render the error here, inside the span, so that the span sees
			// the status code that is sent.
			if err := next(c); err != nil {
				c.Error(err)
			}
			status := c.Response().Status
			span.SetAttributes(semconv.HTTPResponseStatusCode(status))
			if status >= http.StatusInternalServerError {
				span.SetAttributes(semconv.ErrorTypeKey.String(strconv.Itoa(status)))
				span.SetStatus(codes.Error, http.StatusText(status))
			}
			return nil
		}
	}
}
