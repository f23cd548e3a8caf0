package walletpool

import (
	"fmt"
	"net"
	"strconv"
	"strings"
	"sync"
)

// freePort asks the kernel for a free loopback port. Another process may take
// it before monero-wallet-rpc binds it; the supervisor then sees its process
// exit, or finds that what answers on the port is not its process
// (verifyOwn), and retries with another port.
func freePort() (int, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return 0, fmt.Errorf("walletpool: find a free port: %w", err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := l.Close(); err != nil {
		return 0, fmt.Errorf("walletpool: find a free port: %w", err)
	}
	return port, nil
}

// PortRange is the loopback ports the embedded servers may take, First to
// Last inclusive, e.g. to fit a firewall rule. The zero value means any
// free port.
type PortRange struct {
	First, Last int
}

// IsZero reports whether r is unset (any free port).
func (r PortRange) IsZero() bool { return r == PortRange{} }

// Size is the number of ports in r.
func (r PortRange) Size() int { return r.Last - r.First + 1 }

func (r PortRange) String() string {
	if r.IsZero() {
		return ""
	}
	return strconv.Itoa(r.First) + "-" + strconv.Itoa(r.Last)
}

// ParsePortRange reads "FIRST-LAST" (e.g. "18090-18099"); "" is the zero
// range.
func ParsePortRange(s string) (PortRange, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return PortRange{}, nil
	}
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return PortRange{}, fmt.Errorf("port range %q: want FIRST-LAST, e.g. 18090-18099", s)
	}
	first, err1 := strconv.Atoi(strings.TrimSpace(a))
	last, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil {
		return PortRange{}, fmt.Errorf("port range %q: want FIRST-LAST with numbers, e.g. 18090-18099", s)
	}
	r := PortRange{First: first, Last: last}
	if err := r.check(); err != nil {
		return PortRange{}, err
	}
	return r, nil
}

// check reports a range that is not a valid non-empty span of ports.
func (r PortRange) check() error {
	if r.First < 1 || r.Last > 65535 || r.First > r.Last {
		return fmt.Errorf("port range %s: want 1 <= FIRST <= LAST <= 65535", r)
	}
	return nil
}

// rangePicker hands out the ports of r in turn, skipping those something
// already listens on. The cursor makes servers starting at the same time try
// different ports.
type rangePicker struct {
	r    PortRange
	mu   sync.Mutex
	next int // offset into r of the next port to try
}

func (p *rangePicker) pick() (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for range p.r.Size() {
		port := p.r.First + p.next
		p.next = (p.next + 1) % p.r.Size()
		l, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
		if err != nil {
			continue // taken: try the next one
		}
		if err := l.Close(); err != nil {
			return 0, fmt.Errorf("walletpool: probe port %d: %w", port, err)
		}
		return port, nil
	}
	return 0, fmt.Errorf("walletpool: no free port in %s", p.r)
}
