package wallettest

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// Shared says what a package's TestMain starts for the real-server tests that
// share servers (starting one costs about a second, creating a wallet several).
type Shared struct {
	// Name prefixes the temporary directory of the servers' wallets and logs.
	Name string
	// Count is how many servers to start.
	Count int
	// Skip, when set and true, starts nothing: e.g. a helper child process,
	// or a package whose real-server tests do not run under -short.
	Skip func() bool
}

// Main is a TestMain's body: it starts s.Count supervised servers, sets
// *servers to them, runs the tests and stops the servers (SIGKILL after a
// bounded wait, through the supervisor). It starts nothing when only
// benchmarks run (-test.run=^$), when monero-wallet-rpc is missing (the
// real-server tests then fail, or skip under -short, through Skip), or when
// s.Skip says so; *servers stays nil. It returns the exit code.
func Main(m *testing.M, s Shared, servers **walletpool.Supervisor) int {
	flag.Parse()
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "^$" {
		return m.Run()
	}
	if !Available() || (s.Skip != nil && s.Skip()) {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", s.Name+"-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	sup, err := StartIn(ctx, dir, s.Count)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start wallet servers:", err)
		return 1
	}
	*servers = sup
	code := m.Run()
	stopCtx, stopCancel := context.WithTimeout(context.Background(), time.Minute)
	defer stopCancel()
	// A server that hangs in its own shutdown is killed by design
	// (monero-wallet-rpc 0.18, see FACTS.md): said, not a failure.
	if err := sup.Stop(stopCtx); errors.Is(err, walletpool.ErrKilled) {
		fmt.Fprintln(os.Stderr, "stop wallet servers:", err)
	} else if err != nil {
		fmt.Fprintln(os.Stderr, "stop wallet servers:", err)
		return 1
	}
	return code
}
