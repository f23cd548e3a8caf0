package walletpool

import "sync"

// Lease is exclusive use of a set of servers, from Pool.Acquire until
// Release.
type Lease struct {
	pool    *Pool
	idx     []int
	servers []*Server
	once    sync.Once
}

// Servers are the leased servers, distinct, in a stable order (the pool's).
// The slice is the caller's to keep; do not use the servers after Release.
func (l *Lease) Servers() []*Server {
	return append([]*Server(nil), l.servers...)
}

// Release gives the servers back to the pool and serves waiters. It is
// idempotent and safe to call from any goroutine and from a deferred call
// during a panic; later calls do nothing.
func (l *Lease) Release() {
	l.once.Do(func() {
		l.pool.mu.Lock()
		defer l.pool.mu.Unlock()
		l.pool.releaseLocked(l.idx)
	})
}
