// Package trace makes every escrow an OpenTelemetry trace: the escrow's ID is
// the trace ID, every wallet RPC call is a client span, and the wallet-state
// snapshots at the setup's seven points and the payout's are span events.
//
// Start with Setup: from a Config it builds a Provider. ConfigFromEnv reads
// the standard environment: ENABLE_INSTRUMENTATION and OTEL_SDK_DISABLED
// (on/off), OTEL_TRACES_EXPORTER (otlp, console, none),
// OTEL_EXPORTER_OTLP_(TRACES_)PROTOCOL (grpc, the default, or http/protobuf;
// the exporters read the endpoint, headers, timeout and TLS variables
// themselves), OTEL_TRACES_SAMPLER and _ARG, OTEL_PROPAGATORS,
// OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES (applied over escrowd's
// defaults service.name "escrowd" and service.version = the build). A value
// it does not know is a configuration error, before anything starts.
//
// With instrumentation off the Provider holds the no-op tracer provider, its
// middleware is nil (calls take the bare path), and snapshots are never read:
// no wallet RPC call, no allocation.
//
// # Sampling and escrow traces
//
// The provider records every span (AlwaysSample) and the JSON-file exporter
// gets all of them through a synchronous processor: the trace file of every
// escrow is written whole, whatever the sampler says. The sampler applies at
// the export stage, to OTLP and the console, through an escrow-aware
// processor in front of their batch processors:
//
//   - The spans of an escrow are held until the escrow's root span ends.
//     A failed escrow (root status Error) is then exported whole; a
//     successful one as the sampler decides for its root, which for the
//     ratio samplers depends on the trace ID alone, so every phase of one
//     escrow gets the same answer. Head sampling never drops a failed
//     escrow's spans.
//   - Other traces (HTTP requests) follow the sampler directly, decided at
//     their local root, with the remote parent's flag for parentbased_*.
//   - always_off exports nothing at all (not even failed escrows); the files
//     are still written.
//   - Held spans are bounded (Config.MaxHeldSpans, default 16384, about 200
//     running escrows): past it spans are dropped from export, never from
//     the files, counted (Provider.ExportDropped) and logged once.
//     Escrows still running at shutdown are exported as far as they got.
//
// The alternative is tail sampling in a Collector: escrowd exports
// everything (the default sampler) to an OpenTelemetry Collector configured
// like deploy/otel-collector/config.yaml, which keeps every trace with an
// error and a share of the rest.
//
// A failure keeps its type: a failed call's span and the escrow's ERROR_FINAL
// event carry its escrow.Kind as escrow.error.kind (AttrEscrowErrorKind, from
// walletrpc.KindOf and multisig.KindOf) and, as the JSON-RPC semantic
// conventions want, error.type (the wallet's error code, "-28", or the kind
// when no wallet answered) and jsonrpc.request.id.
//
// # Lifecycle phases
//
// Every phase of an escrow's life is a root span of the escrow's one trace:
// the setup (escrow.setup), then the funding check that found it funded
// (escrow.fund) and each payout (escrow.release, escrow.refund,
// escrow.resolve), with escrow.phase, a link to the request span that
// LinkRequest put in the context, the payout's steps as child spans
// (escrow.release.sign, ...) and the wallet calls as RPC spans, all carrying
// escrow.phase. Payout and funding snapshots add
// wallet.multisig_import_needed and wallet.height. A failed payout's
// ERROR_FINAL carries its phase, operation, role, wallet and escrow. No span,
// event, attribute or log holds a payee address (only escrow.HashAddress), a
// transaction hash, a multisig export or a transaction set.
//
// Wire the Provider into the coordinator and the payer alike:
// multisig.Config{Observer: p.Observer(), Middleware: p.Middleware()} and
// multisig.PayoutConfig{Observer: p.Observer(), Middleware: p.Middleware()}.
// Neither touches OpenTelemetry.
package trace
