package jaegertest

import (
	"fmt"
	"net"
)

// freeAddrs returns n distinct free loopback addresses ("127.0.0.1:PORT").
// All n listeners are open at once so the kernel cannot hand out one port
// twice; another process may still take one after they close, which Start
// handles by trying again with new ports.
func freeAddrs(n int) ([]string, error) {
	addrs := make([]string, 0, n)
	for range n {
		l, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return nil, fmt.Errorf("pick a free port: %w", err)
		}
		defer l.Close()
		addrs = append(addrs, l.Addr().String())
	}
	return addrs, nil
}
