package walletpool

import "errors"

var (
	// ErrQueueFull is returned by Acquire when PoolOptions.MaxWaiters callers
	// are already waiting: the caller should refuse the work (e.g. HTTP 503)
	// rather than queue without bound.
	ErrQueueFull = errors.New("walletpool: wait queue is full")
	// ErrKilled: Stop had to SIGKILL a server that did not exit on SIGTERM
	// in time (monero-wallet-rpc 0.18 can hang in its own shutdown). The
	// process is gone; its open wallet was stored after the last step.
	ErrKilled = errors.New("killed after no exit on SIGTERM")

	// ErrPoolClosed is returned by Acquire on a closed pool, including to
	// callers that were waiting when Close was called.
	ErrPoolClosed = errors.New("walletpool: pool is closed")
)
