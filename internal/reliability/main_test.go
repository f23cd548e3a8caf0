package reliability_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// servers is shared by the fault tests: six servers let a victim escrow and
// a bystander escrow hold three each at the same time.
var servers *walletpool.Supervisor

const serverCount = 6

func TestMain(m *testing.M) { os.Exit(run(m)) }

func run(m *testing.M) int {
	flag.Parse()
	// A helper child (see crash_test.go) starts its own servers; -short runs
	// nothing that needs them.
	if os.Getenv(helperEnv) != "" || testing.Short() || !wallettest.Available() {
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "reliability-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	servers, err = wallettest.StartIn(ctx, dir, serverCount)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start wallet servers:", err)
		return 1
	}
	code := m.Run()
	stopCtx, stopCancel := context.WithTimeout(context.Background(), time.Minute)
	defer stopCancel()
	if err := servers.Stop(stopCtx); err != nil {
		fmt.Fprintln(os.Stderr, "stop wallet servers:", err)
		return 1
	}
	return code
}
