package chain_test

import (
	"context"
	"errors"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/chaintest"
	"github.com/escrowd/escrowd/pkg/chain"
)

// TestClientHook, on the real regtest daemon: every call of a client
// WithHook derives goes through the hook with its method, the daemon's
// address and (get_transactions) the hashes asked about, and runs with
// the ctx the hook gives it; a hook that refuses keeps the call from being sent;
// the client it came from is unchanged, and WithHook(nil) is that client.
func TestClientHook(t *testing.T) {
	chaintest.Skip(t)
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	if err := env.Daemon.WaitReady(ctx); err != nil {
		t.Fatal(err)
	}
	bare := env.Daemon.Client()
	if bare.WithHook(nil) != bare {
		t.Fatal("WithHook(nil) is not the client itself")
	}
	var (
		mu    sync.Mutex
		seen  []chain.Call
		block string // a method the hook refuses
	)
	errRefused := errors.New("refused by the hook")
	cancelled, cancelNow := context.WithCancel(ctx)
	cancelNow()
	hooked := bare.WithHook(func(ctx context.Context, call chain.Call, next func(context.Context) error) error {
		mu.Lock()
		seen = append(seen, call)
		refuse := call.Method == block
		mu.Unlock()
		switch {
		case refuse:
			return errRefused
		case call.Method == "get_info":
			return next(cancelled) // the call runs with the hook's ctx
		}
		return next(ctx)
	})

	h1, err := hooked.GetHeight(ctx)
	if err != nil {
		t.Fatal(err)
	}
	unknown := strings.Repeat("ef", 32)
	st, err := hooked.Transactions(ctx, unknown)
	if err != nil || len(st) != 1 || st[0].Known() {
		t.Fatalf("Transactions = %+v, %v", st, err)
	}
	if _, err := hooked.GetInfo(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("GetInfo with the hook's cancelled ctx = %v", err)
	}
	if h2, err := bare.GetHeight(ctx); err != nil || h2 < h1 {
		t.Fatalf("GetHeight = %d, %v", h2, err)
	}
	mu.Lock()
	block = "get_height"
	mu.Unlock()
	if _, err := hooked.GetHeight(ctx); !errors.Is(err, errRefused) {
		t.Fatalf("GetHeight refused by the hook = %v", err)
	}

	want := []chain.Call{
		{Method: "get_height", Endpoint: bare.Address()},
		{Method: "get_transactions", Endpoint: bare.Address(), TxHashes: []string{unknown}},
		{Method: "get_info", Endpoint: bare.Address()},
		{Method: "get_height", Endpoint: bare.Address()},
	}
	if !slices.EqualFunc(seen, want, func(a, b chain.Call) bool {
		return a.Method == b.Method && a.Endpoint == b.Endpoint && slices.Equal(a.TxHashes, b.TxHashes)
	}) {
		t.Errorf("the hook saw %+v, want %+v", seen, want)
	}
}

// TestWithHookNoDaemon: no daemon (a nil client, escrowd --offline) stays
// no daemon with a hook, so that a caller can wire the hook either way.
func TestWithHookNoDaemon(t *testing.T) {
	var none *chain.Client
	hook := func(ctx context.Context, _ chain.Call, next func(context.Context) error) error { return next(ctx) }
	if got := none.WithHook(hook); got != nil {
		t.Fatalf("nil client WithHook = %v, want nil", got)
	}
}
