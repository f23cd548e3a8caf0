package multisig_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

var testSecret = []byte("escrowd-test-master-secret-32-bytes!")

func newPool(t *testing.T) *walletpool.Pool {
	t.Helper()
	wallettest.Skip(t)
	p, err := walletpool.NewPool(servers.Servers(), walletpool.PoolOptions{MaxWaiters: 64})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

func newEscrow() multisig.Escrow {
	return multisig.Escrow{ID: uuid.NewString(), BuyerID: "buyer-1", VendorID: "vendor-1", Amount: 1_000_000_000_000}
}

// callLog records which server served which escrow's calls, and when.
type callLog struct {
	mu    sync.Mutex
	calls []loggedCall
}

type loggedCall struct {
	escrow, endpoint, method string
	role                     escrow.Role
	start, end               time.Time
	err                      error
}

func (l *callLog) middleware(next walletrpc.Invoker) walletrpc.Invoker {
	return func(ctx context.Context, call *walletrpc.Call) error {
		st, _ := multisig.StepFrom(ctx)
		start := time.Now()
		err := next(ctx, call)
		l.mu.Lock()
		l.calls = append(l.calls, loggedCall{st.EscrowID, call.Endpoint, call.Method, st.Role, start, time.Now(), err})
		l.mu.Unlock()
		return err
	}
}

// verifyWallets opens each of the escrow's wallets on a leased server and
// checks, independently of the coordinator, that all are ready 2-of-3 with
// the address the setup returned.
func verifyWallets(t *testing.T, pool *walletpool.Pool, e multisig.Escrow, res multisig.Result) {
	t.Helper()
	ctx := context.Background()
	lease, err := pool.Acquire(ctx, 1)
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	c := lease.Servers()[0].Client()
	defer c.CloseWallet(ctx)
	for _, role := range escrow.Roles {
		name := res.Wallets[role]
		if err := c.OpenWallet(ctx, name, multisig.WalletPassword(testSecret, name)); err != nil {
			t.Fatalf("open %s wallet: %v", role, err)
		}
		st, err := c.IsMultisig(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if !st.Multisig || !st.Ready || st.Threshold != 2 || st.Total != 3 {
			t.Fatalf("%s wallet is_multisig = %+v, want ready 2/3", role, st)
		}
		addr, err := c.GetAddress(ctx)
		if err != nil {
			t.Fatal(err)
		}
		if addr != res.Address {
			t.Fatalf("%s wallet address %s, setup returned %s", role, addr, res.Address)
		}
	}
}

func TestLeasedOneEscrow(t *testing.T) {
	pool := newPool(t)
	var log callLog
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret, Middleware: log.middleware})
	if err != nil {
		t.Fatal(err)
	}
	e := newEscrow()
	res, err := c.Run(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Address) != 95 || res.Wallets[escrow.Arbiter] != escrow.WalletName(e.ID, escrow.Arbiter) {
		t.Fatalf("result %+v", res)
	}
	verifyWallets(t, pool, e, res)

	// The setup's calls, per role, in order: no snapshot reads without an
	// observer, a store and an is_multisig check after every kex step.
	want := "create_wallet prepare_multisig make_multisig store is_multisig exchange_multisig_keys store is_multisig exchange_multisig_keys store is_multisig get_address"
	for _, role := range escrow.Roles {
		var got []string
		for _, c := range log.calls {
			if c.role == role {
				got = append(got, c.method)
			}
		}
		if strings.Join(got, " ") != want {
			t.Errorf("%s calls:\n got %s\nwant %s", role, strings.Join(got, " "), want)
		}
	}
	if s := pool.Stats(); s.Leased != 0 {
		t.Fatalf("leases not returned: %+v", s)
	}
}

func TestLeasedTenConcurrentEscrows(t *testing.T) {
	if testing.Short() {
		t.Skip("10 real escrows take about a minute")
	}
	pool := newPool(t)
	var log callLog
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret, Middleware: log.middleware})
	if err != nil {
		t.Fatal(err)
	}
	const n = 10
	results := make([]multisig.Result, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = c.Run(context.Background(), newEscrow())
		}()
	}
	wg.Wait()
	addrs := map[string]bool{}
	for i := range n {
		if errs[i] != nil {
			t.Fatalf("escrow %d: %v", i, errs[i])
		}
		if addrs[results[i].Address] {
			t.Fatalf("escrow %d shares its address with another escrow", i)
		}
		addrs[results[i].Address] = true
	}

	// No server served two escrows at overlapping times.
	byEndpoint := map[string][]loggedCall{}
	for _, c := range log.calls {
		byEndpoint[c.endpoint] = append(byEndpoint[c.endpoint], c)
	}
	type span struct{ start, end time.Time }
	for ep, calls := range byEndpoint {
		spans := map[string]*span{}
		for _, c := range calls {
			s := spans[c.escrow]
			if s == nil {
				spans[c.escrow] = &span{c.start, c.end}
				continue
			}
			if c.start.Before(s.start) {
				s.start = c.start
			}
			if c.end.After(s.end) {
				s.end = c.end
			}
		}
		for a, sa := range spans {
			for b, sb := range spans {
				if a < b && sa.start.Before(sb.end) && sb.start.Before(sa.end) {
					t.Fatalf("server %s served escrows %s and %s at the same time", ep, a, b)
				}
			}
		}
	}
	if s := pool.Stats(); s.Leased != 0 || s.Waiting != 0 {
		t.Fatalf("pool not idle after the run: %+v", s)
	}
}

// TestSharedModeReproducesTheRace runs two escrows on one server in shared
// mode with a barrier that lines them up at every step: both open their
// wallet, then both send their call, which the server runs on whichever wallet
// was opened last. The second make_multisig on that wallet must fail as
// "already multisig".
func TestSharedModeReproducesTheRace(t *testing.T) {
	pool := newPool(t)
	lease, err := pool.Acquire(context.Background(), 1) // keep other tests off this server
	if err != nil {
		t.Fatal(err)
	}
	srv := lease.Servers()[0]
	defer lease.Release()

	barrier := multisig.NewBarrier(2, time.Minute)
	c, err := multisig.New(multisig.Config{Mode: multisig.ModeShared, Server: srv, Secret: testSecret, Barrier: barrier})
	if err != nil {
		t.Fatal(err)
	}
	errs := make([]error, 2)
	var wg sync.WaitGroup
	for i := range 2 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, errs[i] = c.Run(context.Background(), newEscrow())
		}()
	}
	wg.Wait()
	defer srv.Client().CloseWallet(context.Background())

	var raced int
	for _, err := range errs {
		var se *multisig.StepError
		if errors.Is(err, walletrpc.ErrAlreadyMultisig) && errors.As(err, &se) && se.Round == escrow.Round1 {
			raced++
		}
	}
	if raced == 0 {
		t.Fatalf("no escrow failed with already-multisig in round 1: %v / %v", errs[0], errs[1])
	}
	t.Logf("shared mode errors: %v | %v", errs[0], errs[1])
}

// TestKilledServerFailsOnlyThatEscrow kills the buyer's server when round 2
// starts: the escrow fails with a typed error naming the round, its leases
// come back, the server is restarted, and the next escrow succeeds.
func TestKilledServerFailsOnlyThatEscrow(t *testing.T) {
	pool := newPool(t)
	restarts := servers.Restarts()
	var once sync.Once
	var killed *walletpool.Server
	kill := func(next walletrpc.Invoker) walletrpc.Invoker {
		return func(ctx context.Context, call *walletrpc.Call) error {
			st, _ := multisig.StepFrom(ctx)
			if st.Round == escrow.Round2 && st.Role == escrow.Buyer && call.Method == "exchange_multisig_keys" {
				once.Do(func() {
					for _, s := range servers.Servers() {
						if s.Client().Endpoint() == call.Endpoint {
							killed = s
							_ = syscall.Kill(s.PID(), syscall.SIGKILL)
						}
					}
				})
			}
			return next(ctx, call)
		}
	}
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret, Middleware: kill})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Run(context.Background(), newEscrow())
	var se *multisig.StepError
	if !errors.Is(err, walletrpc.ErrUnavailable) || !errors.As(err, &se) || se.Round != escrow.Round2 || se.Role != escrow.Buyer {
		t.Fatalf("Run = %v, want ErrUnavailable in round 2 for the buyer", err)
	}
	if killed == nil {
		t.Fatal("the kill hook never ran")
	}
	if s := pool.Stats(); s.Leased != 0 {
		t.Fatalf("leases not returned after the failure: %+v", s)
	}
	deadline := time.Now().Add(time.Minute)
	for !(killed.Healthy() && servers.Restarts() > restarts) {
		if time.Now().After(deadline) {
			t.Fatalf("server %s not restarted within a minute", killed.ID())
		}
		time.Sleep(50 * time.Millisecond) // polling a process restart, not a fix
	}
	c2, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c2.Run(context.Background(), newEscrow()); err != nil {
		t.Fatalf("escrow after the restart: %v", err)
	}
}

func TestGlobalLockModeCompletes(t *testing.T) {
	if testing.Short() {
		t.Skip("one escrow on one switching server takes ~45 s")
	}
	pool := newPool(t)
	lease, err := pool.Acquire(context.Background(), 1)
	if err != nil {
		t.Fatal(err)
	}
	defer lease.Release()
	c, err := multisig.New(multisig.Config{Mode: multisig.ModeGlobalLock, Server: lease.Servers()[0], Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	e := newEscrow()
	res, err := c.Run(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if res.Address == "" {
		t.Fatal("no address")
	}
	lease.Release()
	verifyWallets(t, pool, e, res)
}

func TestRunRefusesBadEscrowID(t *testing.T) {
	pool := newPool(t)
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret})
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.Run(context.Background(), multisig.Escrow{ID: "../etc"})
	if !errors.Is(err, multisig.ErrInvalidEscrow) {
		t.Fatalf("Run = %v, want ErrInvalidEscrow", err)
	}
	if s := pool.Stats(); s.Leased != 0 {
		t.Fatalf("a refused escrow leased servers: %+v", s)
	}
}
