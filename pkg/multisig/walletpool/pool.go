package walletpool

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
)

// DefaultMaxWaiters bounds the wait queue when PoolOptions.MaxWaiters is 0.
const DefaultMaxWaiters = 64

// DefaultSetSize is what Ready checks for when PoolOptions.SetSize is 0: one
// server per participant of a 2-of-3 escrow.
const DefaultSetSize = 3

// PoolOptions configures a Pool.
type PoolOptions struct {
	// MaxWaiters is how many Acquire calls may wait at once; one more gets
	// ErrQueueFull. 0 means DefaultMaxWaiters; negative is an error.
	MaxWaiters int
	// SetSize is the number of servers a typical Acquire asks for; Ready
	// reports whether that many servers are healthy. 0 means DefaultSetSize.
	SetSize int
	// Prefer, when set, ranks free servers: Acquire hands out servers for
	// which it reports true first (e.g. those with a fresh wallet open ahead
	// of demand). It is called with the pool's lock held: keep it cheap and
	// never call the pool from it.
	Prefer func(*Server) bool
	// OnRelease, when set, is called after every release of a lease, with
	// the pool's lock held: it must not block or call the pool (a
	// non-blocking send on a channel is the intended use).
	OnRelease func()
}

// PoolStats is a snapshot of a Pool's state, for metrics and readiness.
type PoolStats struct {
	Servers int // servers in the pool
	Healthy int // of which healthy
	Leased  int // of which leased (healthy or not)
	Waiting int // Acquire calls waiting
}

// Pool hands out Servers under exclusive leases. A leased server is given to
// nobody else until its Lease is released, even if it becomes unhealthy
// meanwhile. Waiters are served strictly in arrival order: a waiter that
// wants fewer servers never overtakes the head of the queue, so a request
// for three servers cannot be starved by a stream of smaller ones.
//
// All methods are safe for concurrent use.
type Pool struct {
	servers    []*Server
	maxWaiters int
	setSize    int
	prefer     func(*Server) bool
	onRelease  func()
	unwatch    []func()

	mu     sync.Mutex
	leased []bool // by index into servers
	queue  []*waiter
	closed bool
}

// waiter is one blocked Acquire. grant is buffered so that the granting side
// never blocks while holding the pool's mutex.
type waiter struct {
	n     int
	grant chan grant
}

type grant struct {
	idx []int
	err error
}

// NewPool returns a pool over servers, which must be distinct and non-nil.
// The pool watches the servers' health so that a server coming back serves
// the waiters at once.
func NewPool(servers []*Server, opts PoolOptions) (*Pool, error) {
	if len(servers) == 0 {
		return nil, errors.New("walletpool: pool needs at least one server")
	}
	if opts.MaxWaiters < 0 {
		return nil, fmt.Errorf("walletpool: MaxWaiters %d: must be >= 0 (0 = default %d)", opts.MaxWaiters, DefaultMaxWaiters)
	}
	if opts.MaxWaiters == 0 {
		opts.MaxWaiters = DefaultMaxWaiters
	}
	if opts.SetSize < 0 {
		return nil, fmt.Errorf("walletpool: SetSize %d: must be >= 0 (0 = default %d)", opts.SetSize, DefaultSetSize)
	}
	if opts.SetSize == 0 {
		opts.SetSize = DefaultSetSize
	}
	if opts.SetSize > len(servers) {
		return nil, fmt.Errorf("walletpool: a pool of %d servers cannot serve sets of %d: give it at least %d servers",
			len(servers), opts.SetSize, opts.SetSize)
	}
	seen := make(map[*Server]bool, len(servers))
	for i, s := range servers {
		if s == nil {
			return nil, fmt.Errorf("walletpool: server %d is nil", i)
		}
		if seen[s] {
			return nil, fmt.Errorf("walletpool: server %s given twice", s.ID())
		}
		seen[s] = true
	}
	p := &Pool{
		servers:    append([]*Server(nil), servers...),
		maxWaiters: opts.MaxWaiters,
		setSize:    opts.SetSize,
		prefer:     opts.Prefer,
		onRelease:  opts.OnRelease,
		leased:     make([]bool, len(servers)),
	}
	for _, s := range p.servers {
		p.unwatch = append(p.unwatch, s.watch(p.healthChanged))
	}
	return p, nil
}

// Size is the number of servers in the pool.
func (p *Pool) Size() int { return len(p.servers) }

// Acquire leases n distinct healthy servers, all or nothing. It returns at
// once when the queue is empty and n servers are free; otherwise it waits its
// turn until they are, ctx is done (the waiter leaves the queue and ctx's
// error is returned), or the pool is closed (ErrPoolClosed). It returns
// ErrQueueFull without waiting when MaxWaiters callers already wait, and an
// error when n is outside 1..Size().
//
// The caller must Release the lease; `defer lease.Release()` right after a
// successful Acquire covers every path.
func (p *Pool) Acquire(ctx context.Context, n int) (*Lease, error) {
	if n < 1 || n > len(p.servers) {
		return nil, fmt.Errorf("walletpool: acquire %d servers from a pool of %d: want 1..%d", n, len(p.servers), len(p.servers))
	}
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("walletpool: acquire %d servers: %w", n, err)
	}

	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil, ErrPoolClosed
	}
	if len(p.queue) == 0 {
		if idx := p.pickLocked(n); idx != nil {
			p.mu.Unlock()
			return p.newLease(idx), nil
		}
	}
	if len(p.queue) >= p.maxWaiters {
		p.mu.Unlock()
		return nil, fmt.Errorf("walletpool: acquire %d servers: %d already waiting: %w", n, p.maxWaiters, ErrQueueFull)
	}
	w := &waiter{n: n, grant: make(chan grant, 1)}
	p.queue = append(p.queue, w)
	p.mu.Unlock()

	select {
	case g := <-w.grant:
		if g.err != nil {
			return nil, g.err
		}
		return p.newLease(g.idx), nil
	case <-ctx.Done():
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	select {
	case g := <-w.grant:
		// Granted (or closed) while ctx ended: the caller will not use the
		// servers, so give them straight back.
		if g.err == nil {
			p.releaseLocked(g.idx)
		}
	default:
		p.removeLocked(w)
		// If w was the head, the next waiter may be servable now.
		p.dispatchLocked()
	}
	return nil, fmt.Errorf("walletpool: acquire %d servers: %w", n, ctx.Err())
}

// TryAcquire leases the one server s if it is in the pool, free, healthy and
// nobody waits for servers; it never waits. Background work (filling a warm
// reserve) uses it so that it never takes a server an escrow is waiting for.
func (p *Pool) TryAcquire(s *Server) (*Lease, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closed || len(p.queue) > 0 {
		return nil, false
	}
	i := slices.Index(p.servers, s)
	if i < 0 || p.leased[i] || !s.Healthy() {
		return nil, false
	}
	p.leased[i] = true
	return p.newLease([]int{i}), true
}

// Ready reports whether the pool could serve a set of SetSize servers now or
// once leases are released: it is open and enough of its servers are healthy.
func (p *Pool) Ready() bool {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if closed {
		return false
	}
	healthy := 0
	for _, s := range p.servers {
		if s.Healthy() {
			healthy++
		}
	}
	return healthy >= p.setSize
}

// Stats is a snapshot of the pool's state.
func (p *Pool) Stats() PoolStats {
	p.mu.Lock()
	defer p.mu.Unlock()
	st := PoolStats{Servers: len(p.servers), Waiting: len(p.queue)}
	for i, s := range p.servers {
		if s.Healthy() {
			st.Healthy++
		}
		if p.leased[i] {
			st.Leased++
		}
	}
	return st
}

// Close wakes all waiters with ErrPoolClosed and makes later Acquire calls
// fail with it. Leases already held stay valid and may still be released.
// Close does not stop the servers. It is idempotent.
func (p *Pool) Close() {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return
	}
	p.closed = true
	for _, w := range p.queue {
		w.grant <- grant{err: ErrPoolClosed}
	}
	p.queue = nil
	p.mu.Unlock()
	for _, fn := range p.unwatch {
		fn()
	}
}

// healthChanged runs after any server's health changed.
func (p *Pool) healthChanged() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.dispatchLocked()
}

// pickLocked returns the indexes of n free healthy servers, marking them
// leased, or nil if there are not enough.
func (p *Pool) pickLocked(n int) []int {
	idx := make([]int, 0, n)
	// With a Prefer function, two passes: preferred servers, then the rest.
	for pass := 0; pass < 2 && len(idx) < n; pass++ {
		for i, s := range p.servers {
			if p.leased[i] || !s.Healthy() || slices.Contains(idx, i) {
				continue
			}
			if pass == 0 && p.prefer != nil && !p.prefer(s) {
				continue
			}
			idx = append(idx, i)
			if len(idx) == n {
				break
			}
		}
		if p.prefer == nil {
			break
		}
	}
	if len(idx) < n {
		return nil
	}
	slices.Sort(idx)
	for _, i := range idx {
		p.leased[i] = true
	}
	return idx
}

// dispatchLocked serves waiters from the head of the queue for as long as
// the head can be served; it stops at the first that cannot (head-of-line).
func (p *Pool) dispatchLocked() {
	if p.closed {
		return
	}
	for len(p.queue) > 0 {
		w := p.queue[0]
		idx := p.pickLocked(w.n)
		if idx == nil {
			return
		}
		p.queue[0] = nil
		p.queue = p.queue[1:]
		w.grant <- grant{idx: idx}
	}
}

func (p *Pool) removeLocked(w *waiter) {
	for i, q := range p.queue {
		if q == w {
			p.queue = append(p.queue[:i], p.queue[i+1:]...)
			return
		}
	}
}

func (p *Pool) releaseLocked(idx []int) {
	for _, i := range idx {
		p.leased[i] = false
	}
	p.dispatchLocked()
	if p.onRelease != nil {
		p.onRelease()
	}
}

func (p *Pool) newLease(idx []int) *Lease {
	l := &Lease{pool: p, idx: idx, servers: make([]*Server, len(idx))}
	for k, i := range idx {
		l.servers[k] = p.servers[i]
	}
	return l
}
