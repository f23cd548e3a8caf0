package walletpool

import (
	"fmt"
	"net"
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
