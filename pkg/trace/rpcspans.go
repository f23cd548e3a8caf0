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

	"github.com/escrowd/escrowd/pkg/escrow"
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
			attrs := make([]attribute.KeyValue, 0, 12)
			attrs = append(attrs,
				semconv.RPCSystemNameJSONRPC,
				semconv.RPCMethod(call.Method),
				semconv.JSONRPCProtocolVersion("2.0"),
				semconv.JSONRPCRequestID(strconv.FormatUint(call.ID, 10)),
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
			if phase, ok := phaseFrom(ctx); ok {
				attrs = append(attrs, attribute.String(escrowtrace.AttrEscrowPhase, string(phase)))
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
	kind, _ := walletrpc.KindOf(err)
	attrs := []attribute.KeyValue{semconv.ErrorTypeKey.String(errorType(err, kind))}
	if kind != "" {
		attrs = append(attrs, attribute.String(AttrEscrowErrorKind, string(kind)))
	}
	var werr *walletrpc.Error
	if errors.As(err, &werr) {
		attrs = append(attrs, semconv.RPCResponseStatusCode(strconv.Itoa(werr.Code)))
		span.SetAttributes(attrs...)
		span.SetStatus(codes.Error, werr.Message)
	} else {
		span.SetAttributes(attrs...)
		span.SetStatus(codes.Error, err.Error())
	}
	span.RecordError(err)
}

// errorType is error.type as the JSON-RPC semantic conventions want it: the
// error code of a wallet's answer, as a string ("-28"); for any other failure
// its kind (timeout, unavailable, unexpected_state, ...), or _OTHER.
func errorType(err error, kind escrow.Kind) string {
	var werr *walletrpc.Error
	switch {
	case errors.As(err, &werr):
		return strconv.Itoa(werr.Code)
	case kind != "":
		return string(kind)
	}
	return errorTypeOther
}
