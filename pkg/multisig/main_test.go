package multisig_test

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

// servers is shared by the package's real-server tests: starting a server
// costs about a second, creating a wallet several.
var servers *walletpool.Supervisor

const serverCount = 9 // three escrows at once

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "^$" {
		// Benchmarks only (make bench-smoke): none of them needs a server.
		return m.Run()
	}
	if !wallettest.Available() {
		// Real-server tests fail (or skip under -short) through wallettest.Skip.
		return m.Run()
	}
	dir, err := os.MkdirTemp("", "multisig-test-")
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
