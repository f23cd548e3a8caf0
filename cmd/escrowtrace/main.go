package main

import (
	"context"
	"os"
	"os/signal"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	code := run(ctx, os.Args[1:], os.Stdout, os.Stderr, env{
		noColor:  os.Getenv("NO_COLOR") != "",
		terminal: isTerminal(os.Stdout),
		stdin:    os.Stdin,
	})
	stop()
	os.Exit(code)
}

// isTerminal reports whether f is a character device (a terminal), without
// a dependency: colour is for people, never for pipes and files.
func isTerminal(f *os.File) bool {
	fi, err := f.Stat()
	return err == nil && fi.Mode()&os.ModeCharDevice != 0
}
