package secretscan

import (
	"context"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Capture is wallet RPC middleware that adds, from every call's result and
// then its params, the strings under the given JSON keys, with the kind
// "<method> result <key>" or "<method> params <key>": e.g.
// "prepare_multisig result multisig_info" for a round's first message.
// Results come first, so a message a wallet answered keeps that name when it
// is sent on to the next round. The call itself is passed on unchanged.
func (s *Set) Capture(keys ...string) walletrpc.Middleware {
	return func(next walletrpc.Invoker) walletrpc.Invoker {
		return func(ctx context.Context, call *walletrpc.Call) error {
			err := next(ctx, call)
			s.AddFields(call.Result, callFields(call.Method+" result ", keys))
			s.AddFields(call.Params, callFields(call.Method+" params ", keys))
			return err
		}
	}
}

func callFields(prefix string, keys []string) Fields {
	f := make(Fields, len(keys))
	for _, k := range keys {
		f[k] = prefix + k
	}
	return f
}
