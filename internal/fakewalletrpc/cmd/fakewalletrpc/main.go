// Command fakewalletrpc runs fakewalletrpc.Main, for tests that start it as
// an escrowd's --wallet-rpc-binary. A first argument --ignore-term makes it
// ignore SIGTERM; the rest is the command line of monero-wallet-rpc.
package main

import (
	"os"

	"github.com/escrowd/escrowd/internal/fakewalletrpc"
)

func main() {
	args := os.Args[1:]
	var opts fakewalletrpc.Options
	if len(args) > 0 && args[0] == "--ignore-term" {
		opts.IgnoreTERM = true
		args = args[1:]
	}
	os.Exit(fakewalletrpc.Main(args, opts, os.Stderr))
}
