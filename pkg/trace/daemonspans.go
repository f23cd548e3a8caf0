package trace

import (
	"context"
	"net"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// Attributes of a daemon call's span.
const (
	// AttrDaemonMethod is the monerod method of a daemon call's span. It is
	// not rpc.method on purpose: the file exporter turns rpc.method spans
	// into the wallet calls' RPC_CALL_* events, which name a role.
	AttrDaemonMethod = "escrow.daemon.method"
	// AttrTxHashHash lists escrow.HashTxID of each transaction a daemon call
	// asked about (never the hashes themselves).
	AttrTxHashHash = "escrow.tx_hash_hash"
	// SpanNameDaemonPrefix starts a daemon call's span name, e.g.
	// "monerod get_height".
	SpanNameDaemonPrefix = "monerod "
)

// DaemonHook is the hook for the payer's daemon client
// (chain.Client.WithHook): a client span per daemon call made within an
// escrow's span (a payout phase), its transactions by escrow.HashTxID only.
// A call outside any span goes straight to the daemon. With tracing off it
// is nil: the client is used as it is.
func (p *Provider) DaemonHook() chain.Hook {
	if !p.enabled {
		return nil
	}
	return daemonSpans(p.tracer)
}

func daemonSpans(tracer trace.Tracer) chain.Hook {
	return func(ctx context.Context, call chain.Call, next func(context.Context) error) error {
		if !trace.SpanContextFromContext(ctx).IsValid() {
			return next(ctx)
		}
		attrs := make([]attribute.KeyValue, 0, 6)
		attrs = append(attrs, attribute.String(AttrDaemonMethod, call.Method))
		if host, port, err := net.SplitHostPort(call.Endpoint); err == nil {
			attrs = append(attrs, semconv.ServerAddress(host))
			if n, err := strconv.Atoi(port); err == nil {
				attrs = append(attrs, semconv.ServerPort(n))
			}
		}
		if id, ok := escrowIDFrom(ctx); ok {
			attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowID, id))
		}
		if phase, ok := phaseFrom(ctx); ok {
			attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowPhase, string(phase)))
		}
		if len(call.TxHashes) > 0 {
			hashed := make([]string, len(call.TxHashes))
			for i, h := range call.TxHashes {
				hashed[i] = escrow.HashTxID(h)
			}
			attrs = append(attrs, attribute.StringSlice(AttrTxHashHash, hashed))
		}
		ctx, span := tracer.Start(ctx, SpanNameDaemonPrefix+call.Method,
			trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
		defer span.End()
		err := next(ctx)
		if err != nil {
			// The chain package's errors name the method and the daemon's
			// answer, never the hashes asked about.
			span.SetAttributes(semconv.ErrorTypeKey.String(errorTypeOther))
			span.SetStatus(codes.Error, err.Error())
		}
		return err
	}
}

// escrowIDFrom is the escrow ID withEscrowID put in ctx.
func escrowIDFrom(ctx context.Context) (string, bool) {
	id, ok := ctx.Value(escrowIDKey{}).(string)
	return id, ok
}
