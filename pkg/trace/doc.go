// Package trace makes every escrow an OpenTelemetry trace: the escrow's ID is
// the trace ID, every wallet RPC call is a client span, and the wallet-state
// snapshots at the seven points are span events.
//
// Start with Setup: from a Config (ConfigFromEnv reads ENABLE_INSTRUMENTATION,
// OTEL_SDK_DISABLED and the OTLP endpoint variables) it builds a Provider. With
// instrumentation off the Provider holds the no-op tracer provider, its
// middleware passes calls straight through, and snapshots are never read: no
// wallet RPC call, no allocation. With it on, spans go to the JSON-file
// exporter through a synchronous processor (no span is ever dropped) and to
// OTLP gRPC through a batch processor (a slow or absent collector never slows
// an escrow).
//
// Wire the Provider into the coordinator: multisig.Config{Observer:
// p.Observer(), Middleware: p.Middleware()}. The coordinator itself never
// touches OpenTelemetry.
package trace
