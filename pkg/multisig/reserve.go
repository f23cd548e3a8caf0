package multisig

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"log/slog"
	"sync"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// Reserve keeps fresh wallets created and open on idle servers ahead of
// demand. Creating a wallet is most of a setup's cost (about 3.5 s of CPU,
// mostly key generation), so an escrow whose three leased servers already
// hold fresh wallets pays for the key exchange alone.
//
// A reserve wallet belongs to no escrow until one adopts it; its name is
// random and its password is derived from the master secret like any other
// wallet's. When demand outruns the reserve, escrows create their own wallets
// as without one. Filling never takes a server an escrow waits for.
type Reserve struct {
	size    int
	secret  []byte
	logger  *slog.Logger
	timeout time.Duration

	mu      sync.Mutex
	ready   map[*walletpool.Server]reserveWallet // server -> the fresh wallet it has open
	stats   ReserveStats
	pool    *walletpool.Pool
	servers []*walletpool.Server

	kick   chan struct{}
	cancel context.CancelFunc
	done   chan struct{}
}

// ReserveStats counts what the reserve did.
type ReserveStats struct {
	Ready   int // servers holding a fresh wallet now
	Created int // reserve wallets created
	Failed  int // reserve wallet creations that failed
	Hits    int // roles that adopted a reserve wallet
	Misses  int // roles that had to create their own
}

// NewReserve returns a reserve that keeps up to size fresh wallets; start it
// with Start once its pool exists. The pool's PoolOptions should have Prefer:
// r.Holds, so that escrows get the warm servers first, and OnRelease: r.Kick,
// so that the reserve refills as servers come back.
func NewReserve(size int, secret []byte, logger *slog.Logger) (*Reserve, error) {
	if size < 0 {
		return nil, fmt.Errorf("warm reserve size %d: must be >= 0", size)
	}
	if err := checkSecret(secret); err != nil {
		return nil, err
	}
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &Reserve{size: size, secret: secret, logger: logger, timeout: 2 * time.Minute,
		ready: map[*walletpool.Server]reserveWallet{}, kick: make(chan struct{}, 1)}, nil
}

// Holds reports whether s has a fresh reserve wallet open. It is cheap and
// safe to call under the pool's lock.
func (r *Reserve) Holds(s *walletpool.Server) bool {
	if r == nil {
		return false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.ready[s]
	return ok
}

// Start fills the reserve in the background from the pool's idle servers
// until Stop.
func (r *Reserve) Start(pool *walletpool.Pool, servers []*walletpool.Server) {
	ctx, cancel := context.WithCancel(context.Background())
	r.mu.Lock()
	r.pool, r.servers, r.cancel, r.done = pool, servers, cancel, make(chan struct{})
	r.mu.Unlock()
	go r.run(ctx)
	r.Kick()
}

// Stop ends the background filling and waits for it.
func (r *Reserve) Stop() {
	r.mu.Lock()
	cancel, done := r.cancel, r.done
	r.mu.Unlock()
	if cancel == nil {
		return
	}
	cancel()
	<-done
}

// Kick asks for a refill, e.g. after leases were released. It never blocks.
func (r *Reserve) Kick() {
	if r == nil {
		return
	}
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// Stats is a snapshot of the reserve's counters.
func (r *Reserve) Stats() ReserveStats {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.stats
	st.Ready = len(r.ready)
	return st
}

// reserveWallet is a fresh wallet a server holds open for the next escrow.
type reserveWallet struct {
	name string
	// address is what get_address answered right after the wallet was
	// created: an escrow adopts the open wallet only if it still answers
	// this, so that a wallet switched under the reserve (another wallet
	// opened, a close_wallet that failed) is never taken for it.
	address string
}

// take removes and returns the fresh wallet s holds, if any.
func (r *Reserve) take(s *walletpool.Server) (reserveWallet, bool) {
	if r == nil {
		return reserveWallet{}, false
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	w, ok := r.ready[s]
	delete(r.ready, s)
	return w, ok
}

// record counts a role that adopted a reserve wallet (hit) or created its own.
func (r *Reserve) record(hit bool) {
	if r == nil {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if hit {
		r.stats.Hits++
	} else {
		r.stats.Misses++
	}
}

func (r *Reserve) run(ctx context.Context) {
	defer close(r.done)
	for {
		r.fill(ctx)
		select {
		case <-ctx.Done():
			return
		case <-r.kick:
		}
	}
}

// fill creates wallets, one at a time so that a running escrow keeps most of
// the CPU, on idle servers until the reserve is full.
func (r *Reserve) fill(ctx context.Context) {
	for _, s := range r.servers {
		if ctx.Err() != nil || r.Stats().Ready >= r.size {
			return
		}
		if r.Holds(s) {
			continue
		}
		lease, ok := r.pool.TryAcquire(s)
		if !ok {
			continue
		}
		w, err := r.create(ctx, s)
		lease.Release()
		r.mu.Lock()
		if err != nil {
			r.stats.Failed++
		} else {
			r.ready[s] = w
			r.stats.Created++
		}
		r.mu.Unlock()
		if err != nil && ctx.Err() == nil {
			r.logger.Warn("warm reserve: create wallet", "server", s.ID(), "err", err)
		}
	}
}

func (r *Reserve) create(ctx context.Context, s *walletpool.Server) (reserveWallet, error) {
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		return reserveWallet{}, err
	}
	name := "reserve_" + hex.EncodeToString(b)
	ctx, cancel := context.WithTimeout(ctx, r.timeout)
	defer cancel()
	if err := s.Client().CreateWallet(ctx, name, WalletPassword(r.secret, name)); err != nil {
		return reserveWallet{}, err
	}
	addr, err := s.Client().GetAddress(ctx)
	if err != nil {
		return reserveWallet{}, fmt.Errorf("reserve wallet %s: %w", name, err)
	}
	return reserveWallet{name: name, address: addr}, nil
}
