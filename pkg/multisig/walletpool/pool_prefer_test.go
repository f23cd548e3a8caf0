package walletpool

import (
	"context"
	"testing"
)

func TestAcquirePrefersServers(t *testing.T) {
	srv := fakeServers(6)
	warm := map[*Server]bool{srv[1]: true, srv[4]: true}
	p, err := NewPool(srv, PoolOptions{Prefer: func(s *Server) bool { return warm[s] }})
	if err != nil {
		t.Fatal(err)
	}
	l, err := p.Acquire(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	got := l.Servers()
	// Both preferred servers, then the first other free one, in pool order.
	want := []*Server{srv[0], srv[1], srv[4]}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("leased %v, want %v", got, want)
		}
	}
	l.Release()
}

func TestTryAcquire(t *testing.T) {
	srv := fakeServers(3)
	p, err := NewPool(srv, PoolOptions{})
	if err != nil {
		t.Fatal(err)
	}
	l, ok := p.TryAcquire(srv[2])
	if !ok || l.Servers()[0] != srv[2] {
		t.Fatalf("TryAcquire of a free server = %v, %v", l, ok)
	}
	if _, ok := p.TryAcquire(srv[2]); ok {
		t.Fatal("TryAcquire leased a server twice")
	}
	// An escrow waiting for three servers has priority over background work.
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() {
		lease, err := p.Acquire(ctx, 3)
		if err == nil {
			lease.Release()
		}
		done <- err
	}()
	eventually(t, "the escrow waits", func() bool { return p.Stats().Waiting == 1 })
	if _, ok := p.TryAcquire(srv[0]); ok {
		t.Fatal("TryAcquire took a server while an escrow waits")
	}
	l.Release()
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, ok := p.TryAcquire(&Server{}); ok {
		t.Fatal("TryAcquire leased a server that is not in the pool")
	}
}

func TestOnReleaseIsCalled(t *testing.T) {
	released := make(chan struct{}, 4)
	p, err := NewPool(fakeServers(3), PoolOptions{OnRelease: func() {
		select {
		case released <- struct{}{}:
		default:
		}
	}})
	if err != nil {
		t.Fatal(err)
	}
	l, err := p.Acquire(context.Background(), 3)
	if err != nil {
		t.Fatal(err)
	}
	l.Release()
	l.Release() // idempotent: no second call
	if len(released) != 1 {
		t.Fatalf("OnRelease called %d times, want 1", len(released))
	}
}
