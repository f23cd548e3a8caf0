package chain_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/chaintest"
)

// env is the package's one regtest chain: monerod, a primed faucet and a
// spare wallet server.
var env *chaintest.Env

func TestMain(m *testing.M) {
	os.Exit(run(m))
}

func run(m *testing.M) int {
	flag.Parse()
	if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "^$" {
		return m.Run()
	}
	if !chaintest.Available() {
		return m.Run() // real-chain tests fail (or skip under -short) through chaintest.Skip
	}
	dir, err := os.MkdirTemp("", "chain-test-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	env, err = chaintest.Start(ctx, dir, 0)
	cancel()
	if err != nil {
		fmt.Fprintln(os.Stderr, "start regtest chain:", err)
		return 1
	}
	code := m.Run()
	if err := env.Stop(context.Background()); err != nil {
		fmt.Fprintln(os.Stderr, "stop regtest chain:", err)
		return 1
	}
	return code
}
