package walletpool

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// fakeServers are healthy Servers with no process behind them.
func fakeServers(n int) []*Server {
	ss := make([]*Server, n)
	for i := range ss {
		ss[i] = &Server{id: fmt.Sprintf("fake-%d", i)}
		ss[i].healthy.Store(true)
	}
	return ss
}

func newTestPool(t *testing.T, servers []*Server, opts PoolOptions) *Pool {
	t.Helper()
	p, err := NewPool(servers, opts)
	if err != nil {
		t.Fatalf("NewPool: %v", err)
	}
	t.Cleanup(p.Close)
	return p
}

// eventually yields until cond holds. The deadline only turns a hang into a
// failure; correct code meets cond after a few scheduler rounds.
func eventually(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		runtime.Gosched()
	}
}

type acquireResult struct {
	lease *Lease
	err   error
}

// acquireAsync starts Acquire in a goroutine and returns once the call is
// waiting in the queue (Stats().Waiting grew).
func acquireAsync(t *testing.T, ctx context.Context, p *Pool, n int) <-chan acquireResult {
	t.Helper()
	before := p.Stats().Waiting
	ch := make(chan acquireResult, 1)
	go func() {
		l, err := p.Acquire(ctx, n)
		ch <- acquireResult{l, err}
	}()
	eventually(t, fmt.Sprintf("Acquire(%d) to wait", n), func() bool { return p.Stats().Waiting == before+1 })
	return ch
}

func mustAcquire(t *testing.T, p *Pool, n int) *Lease {
	t.Helper()
	l, err := p.Acquire(context.Background(), n)
	if err != nil {
		t.Fatalf("Acquire(%d): %v", n, err)
	}
	return l
}

func notReady(t *testing.T, ch <-chan acquireResult, who string) {
	t.Helper()
	select {
	case r := <-ch:
		t.Fatalf("%s was served out of turn: lease=%v err=%v", who, r.lease != nil, r.err)
	default:
	}
}

func receive(t *testing.T, ch <-chan acquireResult, who string) acquireResult {
	t.Helper()
	select {
	case r := <-ch:
		return r
	case <-time.After(10 * time.Second):
		t.Fatalf("%s was never served", who)
		return acquireResult{}
	}
}

func TestNewPoolErrors(t *testing.T) {
	ss := fakeServers(3)
	tests := []struct {
		name    string
		servers []*Server
		opts    PoolOptions
	}{
		{"no servers", nil, PoolOptions{}},
		{"nil server", []*Server{ss[0], nil, ss[2]}, PoolOptions{}},
		{"duplicate", []*Server{ss[0], ss[1], ss[0]}, PoolOptions{}},
		{"set larger than pool", ss[:2], PoolOptions{}},
		{"negative waiters", ss, PoolOptions{MaxWaiters: -1}},
		{"negative set size", ss, PoolOptions{SetSize: -1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if p, err := NewPool(tt.servers, tt.opts); err == nil {
				p.Close()
				t.Fatal("NewPool succeeded, want error")
			}
		})
	}
}

func TestAcquireBadN(t *testing.T) {
	p := newTestPool(t, fakeServers(3), PoolOptions{})
	for _, n := range []int{-1, 0, 4, 100} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			if l, err := p.Acquire(context.Background(), n); err == nil {
				l.Release()
				t.Fatalf("Acquire(%d) succeeded on a pool of 3", n)
			}
			if st := p.Stats(); st.Leased != 0 || st.Waiting != 0 {
				t.Fatalf("stats after refused Acquire: %+v", st)
			}
		})
	}
}

func TestAcquireDistinctServers(t *testing.T) {
	p := newTestPool(t, fakeServers(5), PoolOptions{})
	l := mustAcquire(t, p, 3)
	defer l.Release()
	got := l.Servers()
	if len(got) != 3 {
		t.Fatalf("got %d servers, want 3", len(got))
	}
	seen := map[*Server]bool{}
	for _, s := range got {
		if seen[s] {
			t.Fatalf("server %s leased twice in one lease", s.ID())
		}
		seen[s] = true
	}
	l2 := mustAcquire(t, p, 2)
	defer l2.Release()
	for _, s := range l2.Servers() {
		if seen[s] {
			t.Fatalf("server %s leased to two leases", s.ID())
		}
	}
	if st := p.Stats(); st != (PoolStats{Servers: 5, Healthy: 5, Leased: 5, Waiting: 0}) {
		t.Fatalf("stats = %+v", st)
	}
}

// TestAcquireExclusive hammers the pool from many goroutines (run with
// -race): no server may ever be in two leases at once, and nothing leaks,
// also when waiters give up mid-wait.
func TestAcquireExclusive(t *testing.T) {
	const (
		servers    = 6
		goroutines = 32
		rounds     = 200
	)
	ss := fakeServers(servers)
	p := newTestPool(t, ss, PoolOptions{MaxWaiters: goroutines})
	inUse := make(map[*Server]*atomic.Int32, servers)
	for _, s := range ss {
		inUse[s] = new(atomic.Int32)
	}
	var granted, cancelled atomic.Int64
	var wg sync.WaitGroup
	for g := range goroutines {
		wg.Go(func() {
			r := rand.New(rand.NewPCG(uint64(g), 1))
			for range rounds {
				n := 1 + r.IntN(3)
				ctx, cancel := context.WithCancel(context.Background())
				if r.IntN(8) == 0 {
					// Give up at a random point, possibly while being granted.
					go cancel()
				}
				l, err := p.Acquire(ctx, n)
				if err != nil {
					cancel()
					if !errors.Is(err, context.Canceled) {
						t.Errorf("Acquire: %v", err)
						return
					}
					cancelled.Add(1)
					continue
				}
				granted.Add(1)
				for _, s := range l.Servers() {
					if v := inUse[s].Add(1); v != 1 {
						t.Errorf("server %s in %d leases at once", s.ID(), v)
					}
				}
				runtime.Gosched()
				for _, s := range l.Servers() {
					inUse[s].Add(-1)
				}
				l.Release()
				cancel()
			}
		})
	}
	wg.Wait()
	if st := p.Stats(); st.Leased != 0 || st.Waiting != 0 {
		t.Fatalf("after all released: %+v", st)
	}
	if granted.Load() == 0 {
		t.Fatal("no Acquire succeeded")
	}
	t.Logf("granted %d, cancelled %d", granted.Load(), cancelled.Load())
}

func TestAcquireFIFO(t *testing.T) {
	p := newTestPool(t, fakeServers(1), PoolOptions{SetSize: 1})
	hold := mustAcquire(t, p, 1)
	const waiters = 5
	chans := make([]<-chan acquireResult, waiters)
	for i := range chans {
		chans[i] = acquireAsync(t, context.Background(), p, 1)
	}
	hold.Release()
	for i, ch := range chans {
		r := receive(t, ch, fmt.Sprintf("waiter %d", i))
		if r.err != nil {
			t.Fatalf("waiter %d: %v", i, r.err)
		}
		for _, later := range chans[i+1:] {
			notReady(t, later, "a later waiter")
		}
		r.lease.Release()
	}
}

// TestAcquireHeadOfLine: a waiter for three servers is not starved by later
// waiters for one, even though one server is free for them.
func TestAcquireHeadOfLine(t *testing.T) {
	p := newTestPool(t, fakeServers(3), PoolOptions{})
	two := mustAcquire(t, p, 2)
	big := acquireAsync(t, context.Background(), p, 3)
	small := acquireAsync(t, context.Background(), p, 1)
	if st := p.Stats(); st.Leased != 2 || st.Waiting != 2 {
		t.Fatalf("stats = %+v, want 2 leased, 2 waiting", st)
	}
	notReady(t, small, "the small waiter behind the big one")

	two.Release()
	rb := receive(t, big, "big waiter")
	if rb.err != nil || len(rb.lease.Servers()) != 3 {
		t.Fatalf("big waiter: err=%v", rb.err)
	}
	notReady(t, small, "the small waiter while all servers are leased")
	rb.lease.Release()
	rs := receive(t, small, "small waiter")
	if rs.err != nil {
		t.Fatalf("small waiter: %v", rs.err)
	}
	rs.lease.Release()
}

// TestAcquireAllOrNothing: a waiter takes no server until it can take all.
func TestAcquireAllOrNothing(t *testing.T) {
	p := newTestPool(t, fakeServers(3), PoolOptions{})
	one := mustAcquire(t, p, 1)
	ctx, cancel := context.WithCancel(context.Background())
	ch := acquireAsync(t, ctx, p, 3)
	if st := p.Stats(); st.Leased != 1 {
		t.Fatalf("a waiting Acquire(3) holds servers: %+v", st)
	}
	// Meanwhile a free server stays available to nobody out of turn, and
	// the waiter still takes nothing.
	cancel()
	r := receive(t, ch, "cancelled waiter")
	if !errors.Is(r.err, context.Canceled) {
		t.Fatalf("cancelled Acquire: err = %v, want context.Canceled", r.err)
	}
	if st := p.Stats(); st.Leased != 1 || st.Waiting != 0 {
		t.Fatalf("after cancel: %+v, want 1 leased, 0 waiting", st)
	}
	one.Release()
	mustAcquire(t, p, 3).Release()
}

// TestAcquireCancelHead: when the head of the queue gives up, the next
// waiter is served at once if it fits.
func TestAcquireCancelHead(t *testing.T) {
	p := newTestPool(t, fakeServers(3), PoolOptions{})
	two := mustAcquire(t, p, 2)
	defer two.Release()
	ctx, cancel := context.WithCancel(context.Background())
	head := acquireAsync(t, ctx, p, 3)
	next := acquireAsync(t, context.Background(), p, 1)
	notReady(t, next, "waiter behind the head")
	cancel()
	if r := receive(t, head, "head"); !errors.Is(r.err, context.Canceled) {
		t.Fatalf("head: %v", r.err)
	}
	r := receive(t, next, "next waiter")
	if r.err != nil {
		t.Fatalf("next waiter: %v", r.err)
	}
	r.lease.Release()
}

func TestAcquireDeadline(t *testing.T) {
	p := newTestPool(t, fakeServers(3), PoolOptions{})
	all := mustAcquire(t, p, 3)
	defer all.Release()
	ctx, cancel := context.WithTimeout(context.Background(), time.Millisecond)
	defer cancel()
	_, err := p.Acquire(ctx, 1)
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("err = %v, want DeadlineExceeded", err)
	}
	// An already-ended ctx is refused even when servers are free.
	all.Release()
	if _, err := p.Acquire(ctx, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Acquire with ended ctx: %v", err)
	}
	if st := p.Stats(); st.Leased != 0 || st.Waiting != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestAcquireQueueFull(t *testing.T) {
	p := newTestPool(t, fakeServers(3), PoolOptions{MaxWaiters: 2})
	all := mustAcquire(t, p, 3)
	w1 := acquireAsync(t, context.Background(), p, 1)
	w2 := acquireAsync(t, context.Background(), p, 1)
	_, err := p.Acquire(context.Background(), 1)
	if !errors.Is(err, ErrQueueFull) {
		t.Fatalf("third waiter: err = %v, want ErrQueueFull", err)
	}
	if st := p.Stats(); st.Waiting != 2 {
		t.Fatalf("refused waiter was queued: %+v", st)
	}
	all.Release()
	receive(t, w1, "w1").lease.Release()
	receive(t, w2, "w2").lease.Release()
}

func TestReleaseIdempotent(t *testing.T) {
	p := newTestPool(t, fakeServers(3), PoolOptions{})
	l := mustAcquire(t, p, 3)
	l.Release()
	l.Release()
	other := mustAcquire(t, p, 3)
	// A stale Release must not free servers now leased to someone else.
	l.Release()
	if st := p.Stats(); st.Leased != 3 {
		t.Fatalf("stale Release freed another lease's servers: %+v", st)
	}
	other.Release()
	if st := p.Stats(); st.Leased != 0 {
		t.Fatalf("stats = %+v", st)
	}
}

func TestReleaseOnPanic(t *testing.T) {
	p := newTestPool(t, fakeServers(3), PoolOptions{})
	func() {
		defer func() {
			if r := recover(); r != "boom" {
				t.Fatalf("recovered %v", r)
			}
		}()
		l := mustAcquire(t, p, 3)
		defer l.Release()
		panic("boom")
	}()
	if st := p.Stats(); st.Leased != 0 {
		t.Fatalf("lease survived the panic: %+v", st)
	}
}

func TestCloseWakesWaiters(t *testing.T) {
	ss := fakeServers(3)
	p := newTestPool(t, ss, PoolOptions{})
	held := mustAcquire(t, p, 3)
	w1 := acquireAsync(t, context.Background(), p, 1)
	w2 := acquireAsync(t, context.Background(), p, 3)
	p.Close()
	for _, w := range []<-chan acquireResult{w1, w2} {
		if r := receive(t, w, "waiter"); !errors.Is(r.err, ErrPoolClosed) {
			t.Fatalf("waiter after Close: %v", r.err)
		}
	}
	if _, err := p.Acquire(context.Background(), 1); !errors.Is(err, ErrPoolClosed) {
		t.Fatalf("Acquire after Close: %v", err)
	}
	if p.Ready() {
		t.Fatal("closed pool is Ready")
	}
	held.Release() // still allowed
	p.Close()      // idempotent
	// The pool no longer watches its servers.
	for _, s := range ss {
		s.mu.Lock()
		n := len(s.watchers)
		s.mu.Unlock()
		if n != 0 {
			t.Fatalf("server %s still has %d watchers after Close", s.ID(), n)
		}
	}
}

func TestUnhealthyServers(t *testing.T) {
	ss := fakeServers(4)
	p := newTestPool(t, ss, PoolOptions{})
	ss[1].setHealthy(false)
	if !p.Ready() {
		t.Fatal("3 of 4 healthy: want Ready")
	}
	l := mustAcquire(t, p, 3)
	for _, s := range l.Servers() {
		if s == ss[1] {
			t.Fatal("unhealthy server leased")
		}
	}
	// A leased server that goes down stays leased: its escrow decides.
	ss[0].setHealthy(false)
	if st := p.Stats(); st != (PoolStats{Servers: 4, Healthy: 2, Leased: 3}) {
		t.Fatalf("stats = %+v", st)
	}
	if p.Ready() {
		t.Fatal("2 of 4 healthy: want not Ready for sets of 3")
	}
	l.Release()
	// Three free, two healthy: a set of three waits for a server to recover.
	w := acquireAsync(t, context.Background(), p, 3)
	ss[1].setHealthy(true)
	r := receive(t, w, "waiter for a recovering server")
	if r.err != nil {
		t.Fatalf("waiter: %v", r.err)
	}
	for _, s := range r.lease.Servers() {
		if s == ss[0] {
			t.Fatal("unhealthy server leased")
		}
	}
	r.lease.Release()
}

func TestPoolSize(t *testing.T) {
	p := newTestPool(t, fakeServers(7), PoolOptions{})
	if p.Size() != 7 {
		t.Fatalf("Size = %d", p.Size())
	}
}
