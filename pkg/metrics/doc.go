// Package metrics is escrowd's metrics through the OpenTelemetry metrics SDK:
// escrows by phase, outcome and failure kind, setup and payout durations,
// the wait for wallet servers, the pool's servers by state, the warm
// reserve's hits and misses, and every wallet RPC call's duration by method
// (the RPC conventions' rpc.client.call.duration).
//
// Start with Setup: from a Config (ConfigFromEnv reads
// ENABLE_INSTRUMENTATION, OTEL_SDK_DISABLED and OTEL_METRICS_EXPORTER) it
// builds a Recorder. Metrics are read by Prometheus from Recorder.Handler
// (mount it at /metrics) and, with OTEL_METRICS_EXPORTER=otlp, pushed over
// OTLP (gRPC or HTTP by OTEL_EXPORTER_OTLP_(METRICS_)PROTOCOL).
//
// With metrics off the Recorder records nothing and costs nothing: its
// Middleware is nil (wallet calls take the bare path), its Observer returns
// the observer it wraps, its record methods return at once.
//
// Wire it into the coordinator: multisig.Config{Observer:
// r.Observer(tracing.Observer()), Middleware: ...both middlewares...}, and
// the pool's and reserve's state with ObservePool and ObserveReserve.
package metrics
