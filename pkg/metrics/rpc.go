package metrics

import (
	"context"
	"errors"
	"strconv"
	"sync"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.opentelemetry.io/otel/semconv/v1.43.0/rpcconv"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Middleware is the hook for multisig.Config.Middleware: every wallet RPC
// call's duration in rpc.client.call.duration, by rpc.method, with
// error.type and rpc.response.status_code (the JSON-RPC error code) when it
// failed. Server address and port are left out: one series per method and
// error is what an operator alerts on, and the pool's ports change with
// restarts. With metrics off it is nil: calls take the bare path.
func (r *Recorder) Middleware() walletrpc.Middleware {
	if !r.Enabled() {
		return nil
	}
	h := r.rpc.Inst()
	var ok sync.Map // method -> []metric.RecordOption: a success's attributes, built once
	return func(next walletrpc.Invoker) walletrpc.Invoker {
		return func(ctx context.Context, call *walletrpc.Call) error {
			start := time.Now()
			err := next(ctx, call)
			d := time.Since(start).Seconds()
			if err == nil {
				opts, found := ok.Load(call.Method)
				if !found {
					opts, _ = ok.LoadOrStore(call.Method, []metric.RecordOption{metric.WithAttributeSet(rpcAttrs(call.Method))})
				}
				// The slice itself, not a new one per call: no allocation.
				h.Record(ctx, d, opts.([]metric.RecordOption)...)
				return nil
			}
			h.Record(ctx, d, metric.WithAttributeSet(rpcAttrs(call.Method, errorAttrs(err)...)))
			return err
		}
	}
}

// rpcAttrs are a call's attributes: the system, the method and extra.
func rpcAttrs(method string, extra ...attribute.KeyValue) attribute.Set {
	attrs := append([]attribute.KeyValue{
		attribute.String("rpc.system.name", string(rpcconv.SystemNameJSONRPC)),
		rpcconv.ClientCallDuration{}.AttrMethod(method),
	}, extra...)
	return attribute.NewSet(attrs...)
}

// errorAttrs are a failed call's attributes as the JSON-RPC conventions want
// them: error.type is the error code of a wallet's answer, otherwise the
// transport's failure kind (timeout, canceled, unavailable, ...).
func errorAttrs(err error) []attribute.KeyValue {
	var werr *walletrpc.Error
	if errors.As(err, &werr) {
		code := strconv.Itoa(werr.Code)
		return []attribute.KeyValue{
			rpcconv.ClientCallDuration{}.AttrResponseStatusCode(code),
			attribute.String("error.type", code),
		}
	}
	if k, ok := walletrpc.KindOf(err); ok {
		return []attribute.KeyValue{attribute.String("error.type", string(k))}
	}
	return []attribute.KeyValue{attribute.String("error.type", "_OTHER")}
}

// Chain is one middleware of mws, the first outermost, skipping nil ones:
// nil when all are nil, so that with tracing and metrics off a wallet call
// still takes the bare path. Typical: Chain(tracing.Middleware(),
// recorder.Middleware()), the span around the measured call.
func Chain(mws ...walletrpc.Middleware) walletrpc.Middleware {
	var on []walletrpc.Middleware
	for _, mw := range mws {
		if mw != nil {
			on = append(on, mw)
		}
	}
	switch len(on) {
	case 0:
		return nil
	case 1:
		return on[0]
	}
	return func(next walletrpc.Invoker) walletrpc.Invoker {
		for i := len(on) - 1; i >= 0; i-- {
			next = on[i](next)
		}
		return next
	}
}
