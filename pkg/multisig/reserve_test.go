package multisig_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(2 * time.Minute)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond) // polling background work, not a fix
	}
}

// startReserve fills a reserve of one wallet per server, over a pool of the
// servers that prefers the reserve's (as escrowd builds them), and waits
// until it is full. The pool is closed when the test ends; stop the reserve.
func startReserve(t *testing.T, srv []*walletpool.Server) (*multisig.Reserve, *walletpool.Pool) {
	t.Helper()
	r, err := multisig.NewReserve(len(srv), testSecret, nil)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := walletpool.NewPool(srv, walletpool.PoolOptions{Prefer: r.Holds, OnRelease: r.Kick})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	r.Start(pool, srv)
	waitUntil(t, "the reserve to fill", func() bool { return r.Stats().Ready == len(srv) })
	return r, pool
}

// TestWarmReserve: with fresh wallets created ahead of demand, an escrow
// adopts them instead of creating its own, and the reserve refills after.
func TestWarmReserve(t *testing.T) {
	wallettest.Skip(t)
	srv := servers.Servers()[:3]
	r, pool := startReserve(t, srv)
	defer r.Stop()

	var log callLog
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret, Reserve: r, Middleware: log.middleware})
	if err != nil {
		t.Fatal(err)
	}
	e := newEscrow()
	res, err := c.Run(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	for _, call := range log.calls {
		if call.method == "create_wallet" {
			t.Fatalf("the escrow created a wallet although the reserve had three: %+v", call)
		}
	}
	for _, role := range escrow.Roles {
		if !strings.HasPrefix(res.Wallets[role], "reserve_") {
			t.Fatalf("%s wallet %q is not from the reserve", role, res.Wallets[role])
		}
	}
	if st := r.Stats(); st.Hits != 3 || st.Misses != 0 {
		t.Fatalf("reserve stats %+v, want 3 hits", st)
	}
	verifyWallets(t, pool, e, res)
	waitUntil(t, "the reserve to refill", func() bool { return r.Stats().Ready == 3 })

	// A reserve wallet lost with its server's restart is not used: the
	// escrow creates its own instead.
	r.Stop()
	for _, s := range srv {
		if err := s.Client().CloseWallet(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	e2 := newEscrow()
	res2, err := c.Run(context.Background(), e2)
	if err != nil {
		t.Fatal(err)
	}
	if res2.Wallets[escrow.Buyer] != escrow.WalletName(e2.ID, escrow.Buyer) {
		t.Fatalf("buyer wallet %q: a vanished reserve wallet was used", res2.Wallets[escrow.Buyer])
	}
	if st := r.Stats(); st.Misses != 3 {
		t.Fatalf("reserve stats %+v, want 3 misses after the wallets vanished", st)
	}

	// An empty reserve (demand outran it): every role creates its own
	// wallet, and each counts as a miss.
	if st := r.Stats(); st.Ready != 0 {
		t.Fatalf("reserve stats %+v, want it empty", st)
	}
	e3 := newEscrow()
	if _, err := c.Run(context.Background(), e3); err != nil {
		t.Fatal(err)
	}
	if st := r.Stats(); st.Hits != 3 || st.Misses != 6 {
		t.Fatalf("reserve stats %+v, want 3 hits and 6 misses after an escrow the empty reserve could not serve", st)
	}
}

// TestReserveRefusesSwitchedWallet: when another wallet was opened on a
// server after the reserve filled it (a failed close_wallet, someone else's
// open_wallet), the escrow does not adopt the open wallet, fresh and plain
// as it is: it creates its own there, and still adopts the untouched ones.
func TestReserveRefusesSwitchedWallet(t *testing.T) {
	wallettest.Skip(t)
	srv := servers.Servers()[3:6]
	r, pool := startReserve(t, srv)
	r.Stop() // no refill from here on: the stats below are this escrow's alone

	// Another, equally fresh wallet becomes the open one on the first server.
	intruder := "intruder_" + strings.ReplaceAll(newEscrow().ID, "-", "")
	if err := srv[0].Client().CreateWallet(context.Background(), intruder, "x"); err != nil {
		t.Fatal(err)
	}
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret, Reserve: r})
	if err != nil {
		t.Fatal(err)
	}
	e := newEscrow()
	res, runErr := c.Run(context.Background(), e)
	if runErr != nil {
		t.Fatal(runErr)
	}
	switched := 0
	for _, role := range escrow.Roles {
		w := res.Wallets[role]
		if w == intruder {
			t.Fatalf("%s adopted the switched-in wallet %s", role, w)
		}
		if w == escrow.WalletName(e.ID, role) {
			switched++
		} else if !strings.HasPrefix(w, "reserve_") {
			t.Fatalf("%s wallet %q: neither the reserve's nor its own", role, w)
		}
	}
	if switched != 1 {
		t.Fatalf("wallets %v: want exactly one role to create its own", res.Wallets)
	}
	if st := r.Stats(); st.Hits != 2 || st.Misses != 1 {
		t.Fatalf("reserve stats %+v, want 2 hits and 1 miss", st)
	}
	verifyWallets(t, pool, e, res)
}
