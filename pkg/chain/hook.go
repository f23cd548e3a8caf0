package chain

import (
	"context"
	"sync/atomic"
)

// Call is one daemon RPC call as a Hook sees it.
type Call struct {
	// Method is the daemon's method: get_info, get_height,
	// get_transactions, generateblocks.
	Method string
	// Endpoint is the daemon's host:port.
	Endpoint string
	// TxHashes are the transactions a get_transactions asks about. They
	// are money data: a hook must never record, log or export them, only
	// escrow.HashTxID of each.
	TxHashes []string
}

// Hook wraps one daemon call: it runs next (the call itself) and returns
// its error. It runs on the caller's goroutine, possibly from many at once.
// The get_height a get_transactions makes for a mined transaction is a
// call of its own.
type Hook func(ctx context.Context, call Call, next func(context.Context) error) error

// WithHook returns a client of the same daemon whose calls go through h;
// c itself is unchanged, and both share the connections and the JSON-RPC
// ids. A nil h returns c, and so does a nil c (no daemon).
func (c *Client) WithHook(h Hook) *Client {
	if h == nil || c == nil {
		return c
	}
	return &Client{base: c.base, http: c.http, ids: c.ids, hook: h}
}

// call runs fn, through the client's hook if it has one.
func (c *Client) call(ctx context.Context, method string, hashes []string, fn func(context.Context) error) error {
	if c.hook == nil {
		return fn(ctx)
	}
	return c.hook(ctx, Call{Method: method, Endpoint: c.Address(), TxHashes: hashes}, fn)
}

// newIDs is a client's JSON-RPC id counter, shared with the clients
// WithHook derives from it.
func newIDs() *atomic.Uint64 { return new(atomic.Uint64) }
