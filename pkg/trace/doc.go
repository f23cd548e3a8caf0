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
// A failure keeps its type: a failed call's span and the escrow's ERROR_FINAL
// event carry its escrow.Kind as escrow.error.kind (AttrEscrowErrorKind, from
// walletrpc.KindOf and multisig.KindOf) and, as the JSON-RPC semantic
// conventions want, error.type (the wallet's error code, "-28", or the kind
// when no wallet answered) and jsonrpc.request.id.
//
// Wire the Provider into the coordinator: multisig.Config{Observer:
// p.Observer(), Middleware: p.Middleware()}. The coordinator itself never
// touches OpenTelemetry.
package trace
