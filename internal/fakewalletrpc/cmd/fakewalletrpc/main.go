// Command fakewalletrpc runs fakewalletrpc.Main, for tests that start it as
// an escrowd's --wallet-rpc-binary. Leading arguments --ignore-term (ignore
// SIGTERM) and --refuse-auto-refresh (answer auto_refresh with an error)
// set its Options; the rest is the command line of monero-wallet-rpc.
package main

import (
	"os"

	"github.com/escrowd/escrowd/internal/fakewalletrpc"
)

func main() {
	args := os.Args[1:]
	var opts fakewalletrpc.Options
	for len(args) > 0 {
		switch args[0] {
		case "--ignore-term":
			opts.IgnoreTERM = true
		case "--refuse-auto-refresh":
			opts.RefuseAutoRefresh = true
		default:
			os.Exit(fakewalletrpc.Main(args, opts, os.Stderr))
		}
		args = args[1:]
	}
	os.Exit(fakewalletrpc.Main(args, opts, os.Stderr))
}
