package main

import (
	"context"
	"crypto/rand"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// bench holds the wallet servers every scenario of a run shares, and what
// names escrows uniquely within the run.
type bench struct {
	dir     string
	sup     *walletpool.Supervisor
	servers []*walletpool.Server
	secret  []byte
	tag     string // distinguishes this run's escrow IDs from earlier runs' wallets
	seq     int
	logger  *slog.Logger
}

// startBench starts n supervised wallet servers with wallets under dir.
func startBench(ctx context.Context, dir string, n int, logger *slog.Logger) (*bench, error) {
	secret := make([]byte, 32)
	if _, err := rand.Read(secret); err != nil {
		return nil, fmt.Errorf("wallet secret: %w", err)
	}
	startCtx, cancel := context.WithTimeout(ctx, time.Duration(n)*15*time.Second+time.Minute)
	defer cancel()
	sup, err := walletpool.StartSupervisor(startCtx, walletpool.SupervisorConfig{
		Count:     n,
		WalletDir: filepath.Join(dir, "wallets"),
		LogDir:    filepath.Join(dir, "logs"),
		Logger:    logger,
	})
	if err != nil {
		return nil, fmt.Errorf("start %d wallet servers: %w", n, err)
	}
	return &bench{
		dir: dir, sup: sup, servers: sup.Servers(), secret: secret,
		tag: fmt.Sprintf("%x", time.Now().Unix()&0xffffff), logger: logger,
	}, nil
}

func (b *bench) stop(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	return b.sup.Stop(ctx)
}

// escrow returns a new escrow with a run-unique ID.
func (b *bench) escrow(kind string) multisig.Escrow {
	b.seq++
	return multisig.Escrow{ID: fmt.Sprintf("b%s-%s-%d", b.tag, kind, b.seq), BuyerID: "buyer", VendorID: "vendor", Amount: 1}
}

// pids are the current process ids of servers (a restarted server has a new one).
func pids(servers []*walletpool.Server) []int {
	out := make([]int, 0, len(servers))
	for _, s := range servers {
		if pid := s.PID(); pid > 0 {
			out = append(out, pid)
		}
	}
	return out
}

// coordinator builds a coordinator of mode on the first servers: 3*level
// servers for leased mode (each of level escrows leases three), the first
// server alone otherwise. extra adds the tracing hooks.
func (b *bench) coordinator(mode multisig.Mode, level int, extra func(*multisig.Config)) (*multisig.Coordinator, []*walletpool.Server, error) {
	cfg := multisig.Config{Mode: mode, Secret: b.secret, MaxQueue: 256, Logger: b.logger}
	var used []*walletpool.Server
	if mode == multisig.ModeLeased {
		n := escrow.Participants * level
		if n > len(b.servers) {
			return nil, nil, fmt.Errorf("leased mode at %d escrows needs %d servers, %d started", level, n, len(b.servers))
		}
		used = b.servers[:n]
		pool, err := walletpool.NewPool(used, walletpool.PoolOptions{MaxWaiters: 256})
		if err != nil {
			return nil, nil, fmt.Errorf("pool: %w", err)
		}
		cfg.Pool = pool
	} else {
		used = b.servers[:1]
		cfg.Server = used[0]
	}
	if extra != nil {
		extra(&cfg)
	}
	c, err := multisig.New(cfg)
	if err != nil {
		return nil, nil, err
	}
	return c, used, nil
}
