package walletpool

import "errors"

var (
	// ErrQueueFull is returned by Acquire when PoolOptions.MaxWaiters callers
	// are already waiting: the caller should refuse the work (e.g. HTTP 503)
	// rather than queue without bound.
	ErrQueueFull = errors.New("walletpool: wait queue is full")

	// ErrPoolClosed is returned by Acquire on a closed pool, including to
	// callers that were waiting when Close was called.
	ErrPoolClosed = errors.New("walletpool: pool is closed")
)
