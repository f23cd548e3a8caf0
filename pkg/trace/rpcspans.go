package trace

import (
	"context"
	"errors"
	"net"
	"strconv"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// rpcSpans is the walletrpc middleware that makes each call a client span
// named after its method. It never records the call's params: they hold
// passwords and multisig messages.
func rpcSpans(tracer trace.Tracer) walletrpc.Middleware {
	return func(next walletrpc.Invoker) walletrpc.Invoker {
		return func(ctx context.Context, call *walletrpc.Call) error {
			attrs := make([]attribute.KeyValue, 0, 10)
			attrs = append(attrs,
				semconv.RPCSystemNameJSONRPC,
				semconv.RPCMethod(call.Method),
				semconv.JSONRPCProtocolVersion("2.0"),
			)
			if host, port, err := net.SplitHostPort(call.Endpoint); err == nil {
				attrs = append(attrs, semconv.ServerAddress(host))
				if n, err := strconv.Atoi(port); err == nil {
					attrs = append(attrs, semconv.ServerPort(n))
				}
			}
			if st, ok := multisig.StepFrom(ctx); ok {
				attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowID, st.EscrowID),
					attribute.String(escrowtrace.AttrEscrowRole, string(st.Role)))
				if st.Round != 0 {
					attrs = append(attrs, attribute.Int(escrowtrace.AttrEscrowRound, int(st.Round)))
				}
			}
			ctx, span := tracer.Start(ctx, call.Method,
				trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attrs...))
			err := next(ctx, call)
			if err != nil {
				recordRPCError(span, err)
			}
			span.End()
			return err
		}
	}
}

func recordRPCError(span trace.Span, err error) {
	var werr *walletrpc.Error
	if errors.As(err, &werr) {
		span.SetAttributes(
			semconv.RPCResponseStatusCode(strconv.Itoa(werr.Code)),
			semconv.ErrorTypeKey.String(errorKind(err)),
		)
		span.SetStatus(codes.Error, werr.Message)
	} else {
		span.SetAttributes(semconv.ErrorTypeKey.String(errorKind(err)))
		span.SetStatus(codes.Error, err.Error())
	}
	span.RecordError(err)
}

// errorKind is a low-cardinality error.type: the wallet error class.
func errorKind(err error) string {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return "timeout"
	case errors.Is(err, context.Canceled):
		return "canceled"
	}
	for _, k := range walletErrorKinds {
		if errors.Is(err, k.err) {
			return k.name
		}
	}
	return "_OTHER"
}

var walletErrorKinds = []struct {
	err  error
	name string
}{
	{walletrpc.ErrAlreadyMultisig, "already_multisig"},
	{walletrpc.ErrNotMultisig, "not_multisig"},
	{walletrpc.ErrMultisigNotReady, "multisig_not_ready"},
	{walletrpc.ErrNeedMoreInfo, "need_more_info"},
	{walletrpc.ErrMultisigDisabled, "multisig_disabled"},
	{walletrpc.ErrKexRoundMismatch, "kex_round_mismatch"},
	{walletrpc.ErrKexBadMessage, "kex_bad_message"},
	{walletrpc.ErrOpenFailed, "open_failed"},
	{walletrpc.ErrInvalidFilename, "invalid_filename"},
	{walletrpc.ErrWalletExists, "wallet_exists"},
	{walletrpc.ErrNoWalletOpen, "no_wallet_open"},
	{walletrpc.ErrMethodNotFound, "method_not_found"},
	{walletrpc.ErrInvalidParams, "invalid_params"},
	{walletrpc.ErrUnavailable, "unavailable"},
	{walletrpc.ErrUnauthorized, "unauthorized"},
	{walletrpc.ErrWallet, "wallet_error"},
}
