package walletpool_test

import (
	"context"
	"errors"
	"fmt"
	"log"

	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// Start three embedded wallet RPC servers, pool them, and lease all three for
// one escrow (one server per role). Needs monero-wallet-rpc, so it has no
// Output line and is compiled, not run.
func ExampleStartSupervisor() {
	ctx := context.Background()
	sup, err := walletpool.StartSupervisor(ctx, walletpool.SupervisorConfig{
		Count:     3,
		WalletDir: "data/wallets", // logs go to data/logs
	})
	if err != nil {
		log.Fatal(err)
	}
	defer sup.Stop(ctx) // SIGTERM (the servers save their wallets), SIGKILL after StopTimeout

	pool, err := walletpool.NewPool(sup.Servers(), walletpool.PoolOptions{MaxWaiters: 16})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()

	lease, err := pool.Acquire(ctx, 3)
	if err != nil {
		log.Fatal(err) // walletpool.ErrQueueFull: too many escrows waiting
	}
	defer lease.Release()
	for _, s := range lease.Servers() {
		v, err := s.Client().GetVersion(ctx)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Println(s.ID(), v)
	}
}

// A pool over a server somebody else runs.
func ExampleNewExternal() {
	ctx := context.Background()
	srv, err := walletpool.NewExternal(ctx, walletpool.External{
		URL: "http://127.0.0.1:18083", Username: "user", Password: "secret",
	})
	if err != nil {
		log.Fatal(err)
	}
	pool, err := walletpool.NewPool([]*walletpool.Server{srv}, walletpool.PoolOptions{SetSize: 1})
	if err != nil {
		log.Fatal(err)
	}
	defer pool.Close()
	fmt.Println(pool.Stats())
}

// External servers named on the command line carry no credentials; their
// login comes from the environment or a 0600 file.
func ExampleParseExternal() {
	_, err := walletpool.ParseExternal("http://user:secret@127.0.0.1:18083", walletpool.FromCommandLine)
	fmt.Println(errors.Is(err, walletpool.ErrCredentialsInArgs))

	ext, err := walletpool.ParseExternal("http://127.0.0.1:18083", walletpool.FromCommandLine)
	if err != nil {
		log.Fatal(err)
	}
	logins, err := walletpool.LoadLogins("escrowd:secret", "") // ESCROWD_WALLET_RPC_LOGIN's value
	if err != nil {
		log.Fatal(err)
	}
	ext = logins.Apply([]walletpool.External{ext})[0]
	fmt.Println(ext.URL, ext.Username)
	// Output:
	// true
	// http://127.0.0.1:18083 escrowd
}
