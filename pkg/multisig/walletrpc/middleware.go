package walletrpc

import "context"

// Call is one wallet RPC call as middleware sees it.
//
// Params are key material in some methods (multisig_info, passwords):
// middleware must never record, log or export Params.
type Call struct {
	Method   string
	Endpoint string // host:port of the server the call goes to
	// ID is the JSON-RPC request id the call is sent with: unique among the
	// calls of a Client and of the clients With derives from it.
	ID     uint64
	Params any
	// Result is the caller's pointer, filled on success once next has
	// returned; it may be nil when the caller ignores the result.
	Result any
}

// Invoker performs a call. The innermost Invoker sends it to the server.
type Invoker func(ctx context.Context, call *Call) error

// Middleware wraps an Invoker. It runs on the caller's goroutine, once per
// call, possibly from many goroutines at once; the call is not retried unless a
// middleware does it.
type Middleware func(next Invoker) Invoker

// chain wraps inner with mws, the first being the outermost.
func chain(inner Invoker, mws []Middleware) Invoker {
	for i := len(mws) - 1; i >= 0; i-- {
		inner = mws[i](inner)
	}
	return inner
}
