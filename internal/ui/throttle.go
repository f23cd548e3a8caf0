package ui

import (
	"sync"
	"time"
)

// Defaults of the login throttle.
const (
	DefaultLoginFailures = 5
	DefaultLoginWindow   = time.Minute
	// maxThrottled bounds the clients remembered. When that many are in
	// their window, a new client is throttled too: memory stays bounded and
	// the guessing rate with it (old clients keep their own counts).
	maxThrottled = 4096
)

// throttle counts wrong login tokens per client address: past max of them
// within window (counted from the first), the client waits for the window
// to end. A right token does not reset the count: it cannot, since a
// throttled client's tokens are not even looked at.
type throttle struct {
	max    int
	window time.Duration
	now    func() time.Time

	mu      sync.Mutex
	clients map[string]*attempts
}

type attempts struct {
	since    time.Time // the first failure of the window
	failures int
}

func newThrottle(max int, window time.Duration, now func() time.Time) *throttle {
	if max <= 0 {
		max = DefaultLoginFailures
	}
	if window <= 0 {
		window = DefaultLoginWindow
	}
	return &throttle{max: max, window: window, now: now, clients: make(map[string]*attempts)}
}

// blocked returns how long the client must wait, 0 if it may try.
func (t *throttle) blocked(client string) time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	a := t.clients[client]
	if a == nil {
		if len(t.clients) >= maxThrottled && t.prune(now) >= maxThrottled {
			return t.window
		}
		return 0
	}
	end := a.since.Add(t.window)
	if !now.Before(end) {
		delete(t.clients, client)
		return 0
	}
	if a.failures >= t.max {
		return end.Sub(now)
	}
	return 0
}

// fail counts a wrong token.
func (t *throttle) fail(client string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	now := t.now()
	a := t.clients[client]
	if a == nil || !now.Before(a.since.Add(t.window)) {
		if a == nil && len(t.clients) >= maxThrottled && t.prune(now) >= maxThrottled {
			return
		}
		a = &attempts{since: now}
		t.clients[client] = a
	}
	a.failures++
}

// prune forgets the clients whose window has ended and returns how many remain.
func (t *throttle) prune(now time.Time) int {
	for k, a := range t.clients {
		if !now.Before(a.since.Add(t.window)) {
			delete(t.clients, k)
		}
	}
	return len(t.clients)
}
