package main

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/escrowd/escrowd/internal/osprobe"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// reserveOptions configures the reserve scenario.
type reserveOptions struct {
	runs    int           // sequential runs of floor, warm and cold setups
	size    int           // reserve size (wallets) of the bursts
	burst   int           // escrows started at once in a burst
	bursts  int           // how many bursts
	timeout time.Duration // deadline of one escrow
}

// reserveSize of the sequential part: one escrow's worth, on three servers.
const reserveSize = escrow.Participants

// runReserve measures issue 10's target (5) on one set of servers:
//
//   - sequentially, runs times, interleaved: (a) the key-exchange floor, a
//     bare client doing the rounds' calls on three wallets it created before
//     the clock starts; (b) an escrow whose three servers hold fresh reserve
//     wallets (the reserve is full before each); (c) an escrow without a
//     reserve, creation included. All three on the same three servers;
//   - then bursts of escrows at once, more than the reserve holds, on
//     3*burst servers: latency of escrows served warm vs cold, the reserve's
//     counters, and how long it takes to be full again.
func runReserve(ctx context.Context, b *bench, o reserveOptions) (reserveResult, error) {
	res := reserveResult{Scenario: "reserve", Runs: o.runs}
	if o.bursts > 0 && len(b.servers) < escrow.Participants*o.burst {
		return res, fmt.Errorf("a burst of %d escrows needs %d servers, %d started", o.burst, escrow.Participants*o.burst, len(b.servers))
	}
	servers := b.servers[:escrow.Participants]
	r, err := multisig.NewReserve(reserveSize, b.secret, b.logger)
	if err != nil {
		return res, err
	}
	// While paused the reserve is not asked to refill: the floor and the cold
	// escrow use the same servers, and a reserve wallet created there would be
	// replaced by theirs. The pool has exactly three servers, so the reserve
	// can never fill while an escrow or the floor holds them.
	var paused atomic.Bool
	pool, err := walletpool.NewPool(servers, walletpool.PoolOptions{Prefer: r.Holds, OnRelease: func() {
		if !paused.Load() {
			r.Kick()
		}
	}})
	if err != nil {
		return res, fmt.Errorf("pool: %w", err)
	}
	defer pool.Close()
	warmRec, coldRec := &callRecorder{}, &callRecorder{}
	warm, err := multisig.New(multisig.Config{Pool: pool, Secret: b.secret, Reserve: r, Middleware: warmRec.middleware, Logger: b.logger})
	if err != nil {
		return res, err
	}
	cold, err := multisig.New(multisig.Config{Pool: pool, Secret: b.secret, Middleware: coldRec.middleware, Logger: b.logger})
	if err != nil {
		return res, err
	}
	r.Start(pool, servers)
	defer r.Stop()

	var floor, floorNoPrep, warmS, coldS, refill []float64
	var floorCPU, warmCPU, coldCPU []float64
	// serverCPU is the three servers' CPU time so far: read around each timed
	// part, it is the work the part cost, which other sessions' load on the
	// machine stretches much less than its wall time.
	serverCPU := func() time.Duration {
		d, err := osprobe.TotalCPUTime(pids(servers))
		if err != nil {
			b.logger.Warn("server CPU", "err", err)
		}
		return d
	}
	var profW, profC, profK []map[string]time.Duration
	note := func(what string, err error) {
		res.Failures++
		msg := fmt.Sprintf("%s: %s", what, errorClass(err))
		res.Errors = append(res.Errors, msg)
		b.logger.Warn("reserve scenario", "what", what, "err", err)
	}
	// Run 0 is a warm-up, not counted: the servers' first wallets are slower.
	for i := 0; i <= o.runs; i++ {
		counted := i > 0
		refillStart := time.Now()
		if err := waitFull(ctx, r, reserveSize); err != nil {
			return res, err
		}
		if counted {
			refill = append(refill, time.Since(refillStart).Seconds())
		}
		paused.Store(true)
		created := r.Stats().Created

		// (b) warm.
		e := b.escrow("warm")
		cpu0 := serverCPU()
		t := time.Now()
		warmRec.reset(t)
		out, err := runEscrow(ctx, warm, e, o.timeout)
		d := time.Since(t)
		wcpu := (serverCPU() - cpu0).Seconds()
		wd := 0.0
		switch {
		case err != nil:
			note("warm escrow "+e.ID, err)
		case adopted(out) != escrow.Participants:
			note("warm escrow "+e.ID, fmt.Errorf("only %d of 3 roles had a reserve wallet", adopted(out)))
		default:
			wd = d.Seconds()
			if counted {
				profW = append(profW, profileSetup(warmRec.take(), d))
			}
		}

		// (a) floor and (c) cold, in alternating order.
		var fd, fnp, cd, fcpu, ccpu float64
		doFloor := func() {
			kex, err := runFloor(ctx, pool, b.secret, fmt.Sprintf("b%s-floor-%d", b.tag, i), serverCPU)
			if err != nil {
				note(fmt.Sprintf("floor %d", i), err)
				return
			}
			fd, fnp, fcpu = kex.total().Seconds(), (kex.total() - kex.prepare).Seconds(), kex.serverCPU.Seconds()
			if counted {
				profK = append(profK, kex.profile())
			}
		}
		doCold := func() {
			e := b.escrow("cold")
			t := time.Now()
			coldRec.reset(t)
			cpu0 := serverCPU()
			_, err := runEscrow(ctx, cold, e, o.timeout)
			d := time.Since(t)
			ccpu = (serverCPU() - cpu0).Seconds()
			if err != nil {
				note("cold escrow "+e.ID, err)
				return
			}
			cd = d.Seconds()
			if counted {
				profC = append(profC, profileSetup(coldRec.take(), d))
			}
		}
		if i%2 == 0 {
			doFloor()
			doCold()
		} else {
			doCold()
			doFloor()
		}
		if c := r.Stats().Created; c != created {
			b.logger.Warn("the reserve created wallets while paused", "run", i, "created", c-created)
		}
		if counted {
			// A failed kind leaves 0: the pair ratios skip it, the samples
			// below leave it out.
			floor, floorNoPrep = append(floor, fd), append(floorNoPrep, fnp)
			warmS, coldS = append(warmS, wd), append(coldS, cd)
			if fd > 0 && wd > 0 && cd > 0 {
				floorCPU, warmCPU, coldCPU = append(floorCPU, fcpu), append(warmCPU, wcpu), append(coldCPU, ccpu)
			}
		}
		paused.Store(false)
		r.Kick()
		if err := ctx.Err(); err != nil {
			return res, err
		}
	}
	refillStart := time.Now()
	if err := waitFull(ctx, r, reserveSize); err != nil {
		return res, err
	}
	refill = append(refill, time.Since(refillStart).Seconds())
	res.Stats = r.Stats()
	r.Stop()
	pool.Close()

	res.Floor = summarizeSample("(a) kex floor: prepare_multisig + make_multisig + 2 exchange_multisig_keys, 3 calls at once per step, bare client", positive(floor), 0)
	res.Floor.Ratio = 1
	fp50 := res.Floor.P50S
	res.FloorNoPrepare = summarizeSample("(a') kex floor without prepare_multisig", positive(floorNoPrep), fp50)
	res.Warm = summarizeSample("(b) escrow, warm reserve (full before each)", positive(warmS), fp50)
	res.Cold = summarizeSample("(c) escrow, no reserve (creation included)", positive(coldS), fp50)
	res.WarmPairRatio = median(pairRatios(warmS, floor))
	res.ColdPairRatio = median(pairRatios(coldS, floor))
	res.Refill = summarizeSample("refill", refill, 0)
	res.FloorCPU = summarizeSample(res.Floor.Name, floorCPU, 0)
	res.FloorCPU.Ratio = 1
	res.WarmCPU = summarizeSample(res.Warm.Name, warmCPU, res.FloorCPU.P50S)
	res.ColdCPU = summarizeSample(res.Cold.Name, coldCPU, res.FloorCPU.P50S)
	res.ProfileWarm, res.ProfileCold, res.ProfileKex = medianProfile(profW), medianProfile(profC), medianProfile(profK)

	for i := range o.bursts {
		br, err := runBurst(ctx, b, o)
		if err != nil {
			return res, fmt.Errorf("burst %d: %w", i+1, err)
		}
		res.Bursts = append(res.Bursts, br)
	}
	return res, nil
}

// runBurst fills a reserve of o.size wallets on 3*o.burst servers, starts
// o.burst escrows at once, and waits for the reserve to be full again.
func runBurst(ctx context.Context, b *bench, o reserveOptions) (burstResult, error) {
	res := burstResult{Size: o.size}
	servers := b.servers[:escrow.Participants*o.burst]
	r, err := multisig.NewReserve(o.size, b.secret, b.logger)
	if err != nil {
		return res, err
	}
	pool, err := walletpool.NewPool(servers, walletpool.PoolOptions{Prefer: r.Holds, OnRelease: r.Kick, MaxWaiters: 256})
	if err != nil {
		return res, fmt.Errorf("pool: %w", err)
	}
	defer pool.Close()
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: b.secret, Reserve: r, Logger: b.logger})
	if err != nil {
		return res, err
	}
	t := time.Now()
	r.Start(pool, servers)
	defer r.Stop()
	if err := waitFull(ctx, r, o.size); err != nil {
		return res, err
	}
	res.FillS = time.Since(t).Seconds()
	before := r.Stats()

	escrows := make([]multisig.Escrow, o.burst)
	for i := range escrows {
		escrows[i] = b.escrow("burst")
	}
	res.Escrows = make([]burstEscrow, o.burst)
	start := time.Now()
	var wg sync.WaitGroup
	for i, e := range escrows {
		wg.Go(func() {
			t := time.Now()
			out, err := runEscrow(ctx, c, e, o.timeout)
			be := burstEscrow{ID: e.ID, Secs: time.Since(t).Seconds(), Adopted: adopted(out), Complete: err == nil}
			if err != nil {
				be.Err = errorClass(err)
			}
			res.Escrows[i] = be
		})
	}
	wg.Wait()
	end := time.Now()
	res.WallS = end.Sub(start).Seconds()
	after := r.Stats()
	res.Stats = multisig.ReserveStats{Ready: after.Ready, Created: after.Created - before.Created,
		Failed: after.Failed - before.Failed, Hits: after.Hits - before.Hits, Misses: after.Misses - before.Misses}
	if err := waitFull(ctx, r, o.size); err != nil {
		return res, err
	}
	res.FullAfterEndS, res.FullAfterStartS = time.Since(end).Seconds(), time.Since(start).Seconds()
	res.Stats.Created = r.Stats().Created - before.Created // the refill's creations too
	return res, nil
}

func runEscrow(ctx context.Context, c *multisig.Coordinator, e multisig.Escrow, timeout time.Duration) (multisig.Result, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	return c.Run(ctx, e)
}

// adopted counts the roles of a setup whose wallet came from the reserve.
func adopted(res multisig.Result) int {
	n := 0
	for _, w := range res.Wallets {
		if strings.HasPrefix(w, "reserve_") {
			n++
		}
	}
	return n
}

// waitFull polls until the reserve holds size wallets.
func waitFull(ctx context.Context, r *multisig.Reserve, size int) error {
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	for r.Stats().Ready < size {
		select {
		case <-ctx.Done():
			return fmt.Errorf("waiting for the reserve to hold %d wallets (stats %+v): %w", size, r.Stats(), ctx.Err())
		case <-time.After(10 * time.Millisecond):
		}
	}
	return nil
}

func positive(xs []float64) []float64 {
	var out []float64
	for _, x := range xs {
		if x > 0 {
			out = append(out, x)
		}
	}
	return out
}

// kexTiming is one run of the floor: each step's wall time, three calls at once.
type kexTiming struct {
	prepare, make, exchange2, exchange3 time.Duration
	serverCPU                           time.Duration // the servers' CPU time over the four steps
}

func (k kexTiming) total() time.Duration { return k.prepare + k.make + k.exchange2 + k.exchange3 }

func (k kexTiming) profile() map[string]time.Duration {
	return map[string]time.Duration{
		"prepare_multisig":                 k.prepare,
		"make_multisig":                    k.make,
		"exchange_multisig_keys (round 2)": k.exchange2,
		"exchange_multisig_keys (round 3)": k.exchange3,
		spanTotal:                          k.total(),
	}
}

// runFloor leases the three servers, creates a wallet on each (not timed),
// then times the key exchange alone with a bare client: prepare_multisig,
// make_multisig, and the two exchange_multisig_keys, each step's three calls
// sent at once and the next step started when all three answered. Nothing
// else: no store, no is_multisig, no snapshot. It checks that the three
// wallets end with the same address, then closes them (not timed).
func runFloor(ctx context.Context, pool *walletpool.Pool, secret []byte, prefix string, serverCPU func() time.Duration) (kexTiming, error) {
	var k kexTiming
	ctx, cancel := context.WithTimeout(ctx, 5*time.Minute)
	defer cancel()
	lease, err := pool.Acquire(ctx, escrow.Participants)
	if err != nil {
		return k, err
	}
	defer lease.Release()
	clients := make([]*walletrpc.Client, escrow.Participants)
	names := make([]string, escrow.Participants)
	for i, s := range lease.Servers() {
		clients[i], names[i] = s.Client(), fmt.Sprintf("%s-%s", prefix, escrow.Roles[i])
	}
	pw := func(i int) string { return multisig.WalletPassword(secret, names[i]) }
	defer func() {
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		_ = allAtOnce(func(i int) error { return clients[i].CloseWallet(cctx) })
	}()
	if err := allAtOnce(func(i int) error { return clients[i].CreateWallet(ctx, names[i], pw(i)) }); err != nil {
		return k, fmt.Errorf("create_wallet: %w", err)
	}

	prepared, made, exchanged, addrs := make([]string, 3), make([]string, 3), make([]string, 3), make([]string, 3)
	steps := []struct {
		op string
		d  *time.Duration
		f  func(i int) error
	}{
		{"prepare_multisig", &k.prepare, func(i int) (err error) {
			prepared[i], err = clients[i].PrepareMultisig(ctx)
			return err
		}},
		{"make_multisig", &k.make, func(i int) error {
			out, err := clients[i].MakeMultisig(ctx, othersOf(prepared, i), escrow.Threshold, pw(i))
			made[i] = out.MultisigInfo
			return err
		}},
		{"exchange_multisig_keys (round 2)", &k.exchange2, func(i int) error {
			out, err := clients[i].ExchangeMultisigKeys(ctx, othersOf(made, i), pw(i))
			exchanged[i] = out.MultisigInfo
			return err
		}},
		{"exchange_multisig_keys (round 3)", &k.exchange3, func(i int) error {
			out, err := clients[i].ExchangeMultisigKeys(ctx, othersOf(exchanged, i), pw(i))
			addrs[i] = out.Address
			return err
		}},
	}
	cpu0 := serverCPU()
	for _, st := range steps {
		t := time.Now()
		err := allAtOnce(st.f)
		*st.d = time.Since(t)
		if err != nil {
			return k, fmt.Errorf("%s: %w", st.op, err)
		}
	}
	k.serverCPU = serverCPU() - cpu0
	if addrs[0] == "" || addrs[0] != addrs[1] || addrs[0] != addrs[2] {
		return k, fmt.Errorf("%w: the floor's wallets ended with different addresses", multisig.ErrAddressMismatch)
	}
	return k, nil
}

// allAtOnce runs f for the three participants at once and waits for all.
func allAtOnce(f func(i int) error) error {
	errs := make([]error, escrow.Participants)
	var wg sync.WaitGroup
	for i := range escrow.Participants {
		wg.Go(func() { errs[i] = f(i) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// othersOf is what participant i sends: the two other participants' messages.
func othersOf(msgs []string, i int) []string {
	out := make([]string, 0, len(msgs)-1)
	for j, m := range msgs {
		if j != i {
			out = append(out, m)
		}
	}
	return out
}

// callRecorder is middleware that records every wallet call of one setup at
// a time, relative to the first call after reset.
type callRecorder struct {
	mu    sync.Mutex
	start time.Time
	calls []callSpan
}

// reset starts recording a new setup whose clock started at start.
func (c *callRecorder) reset(start time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.start, c.calls = start, nil
}

// take returns the setup's calls.
func (c *callRecorder) take() []callSpan {
	c.mu.Lock()
	defer c.mu.Unlock()
	out := c.calls
	c.calls = nil
	return out
}

func (c *callRecorder) middleware(next walletrpc.Invoker) walletrpc.Invoker {
	return func(ctx context.Context, call *walletrpc.Call) error {
		t := time.Now()
		err := next(ctx, call)
		end := time.Now()
		step, _ := multisig.StepFrom(ctx)
		c.mu.Lock()
		c.calls = append(c.calls, callSpan{Method: call.Method, Round: step.Round, Start: t.Sub(c.start), End: end.Sub(c.start)})
		c.mu.Unlock()
		return err
	}
}
