package trace

import (
	"context"
	"log/slog"
	"os"

	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/multisig"
)

func discard() *slog.Logger                 { return slog.New(slog.DiscardHandler) }
func escrowFor(id string) multisig.Escrow   { return multisig.Escrow{ID: id} }
func resultFor(addr string) multisig.Result { return multisig.Result{Address: addr} }

func lookupEnv(k string) string { return os.Getenv(k) }

func traceSpanContext(ctx context.Context) trace.SpanContext {
	return trace.SpanContextFromContext(ctx)
}
