package main

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"github.com/escrowd/escrowd/pkg/metrics"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/escrowd/escrowd/internal/api"
	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/trace"
)

// stopBudget bounds everything after the escrows at shutdown: HTTP
// connections, exporters, wallet servers (each gets SIGTERM, then SIGKILL
// after walletpool's stop timeout).
const stopBudget = 30 * time.Second

// closer is one thing to undo at exit, in reverse order of creation.
type closer struct {
	name string
	fn   func(ctx context.Context) error
}

// serve starts everything, serves until ctx is done (SIGTERM/SIGINT), then
// shuts down in order: stop accepting, let escrows finish up to the shutdown
// timeout, flush the exporters, stop the wallet servers.
func serve(ctx context.Context, stopSignals func(), cfg config, tcfg trace.Config, metricsCfg metrics.Config, logger *slog.Logger, stdout io.Writer) (err error) {
	var closers []closer
	defer func() {
		// A fresh context: ctx is done by now, and undoing must still happen.
		cctx, cancel := context.WithTimeout(context.Background(), stopBudget)
		defer cancel()
		for i := len(closers) - 1; i >= 0; i-- {
			c := closers[i]
			if cerr := c.fn(cctx); cerr != nil {
				logger.Error("shutdown step failed", "step", c.name, "err", cerr)
				err = errors.Join(err, fmt.Errorf("%s: %w", c.name, cerr))
			}
		}
	}()
	push := func(name string, fn func(context.Context) error) { closers = append(closers, closer{name, fn}) }

	// A bad certificate is reported before anything starts.
	if cfg.TLSCert != "" {
		if _, err := tls.LoadX509KeyPair(cfg.TLSCert, cfg.TLSKey); err != nil {
			return fmt.Errorf("TLS certificate --tls-cert=%s with key --tls-key=%s: %w", cfg.TLSCert, cfg.TLSKey, err)
		}
	}
	// Bind first: a taken port is reported before servers are started.
	ln, err := net.Listen("tcp", cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen on %s (--listen / ESCROWD_LISTEN): %w", cfg.Listen, err)
	}
	push("close listener", func(context.Context) error {
		if err := ln.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
			return err
		}
		return nil
	})

	// An existing traces directory is checked before the wallet servers
	// start (a new one is created 0750 by the exporter, checked below).
	if tcfg.Enabled && tcfg.File && tcfg.FileDir != "" {
		if _, err := os.Stat(tcfg.FileDir); err == nil {
			if err := checkTracesDir(tcfg.FileDir); err != nil {
				return err
			}
		}
	}
	if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return fmt.Errorf("data directory: %w", err)
	}
	st, err := store.Open(ctx, cfg.dbPath())
	if err != nil {
		return err
	}
	push("close store", func(context.Context) error { return st.Close() })
	if n, err := st.MarkInterrupted(ctx); err != nil {
		return err
	} else if n > 0 {
		logger.Warn("escrows left in flight by the previous run marked failed", "escrows", n, "reason", store.ReasonInterrupted)
	}

	secret, err := loadSecret(cfg.secretPath(), cfg.MasterSecretFile == "", cfg.walletDir())
	if err != nil {
		return err
	}

	// The chain before the wallet servers that use it; its stop is pushed
	// first, so it runs last: escrows, then wallet servers, then monerod.
	chainRun, err := startChain(ctx, cfg, logger, push)
	if err != nil {
		return err
	}
	servers, err := startServers(ctx, cfg, chainRun.daemonAddress(), logger, push)
	if err != nil {
		return err
	}
	var faucet *devFaucet
	if cfg.hasFaucet() {
		// The last server is the faucet's own, outside the pool.
		faucet = startFaucet(servers[len(servers)-1], chainRun.client, secret, logger)
		servers = servers[:len(servers)-1]
		push("stop faucet priming", faucet.stop)
	}

	tp, err := trace.Setup(ctx, tcfg)
	if err != nil {
		return fmt.Errorf("instrumentation: %w", err)
	}
	push("flush and stop trace exporters", tp.Shutdown)
	if dir := tp.FileDir(); dir != "" {
		if err := checkTracesDir(dir); err != nil {
			return err
		}
	}
	if tp.Enabled() {
		tp.InstallGlobal(0)
	}
	// Metrics (metricsConfig): off, every hook is nil and costs nothing.
	metricsCfg.Logger = logger
	rec, err := metrics.Setup(ctx, metricsCfg)
	if err != nil {
		return fmt.Errorf("metrics: %w", err)
	}
	push("flush and stop metrics", rec.Shutdown)
	if err := rec.ObserveEscrows(censusOf(st)); err != nil {
		return fmt.Errorf("metrics: %w", err)
	}

	mcfg := multisig.Config{
		Mode: cfg.Mode, Secret: secret,
		Observer: rec.Observer(tp.Observer()), Middleware: metrics.Chain(tp.Middleware(), rec.Middleware()),
		Logger: logger,
	}
	serversReady := func() bool { return servers[0].Healthy() }
	var leased *walletpool.Pool
	if cfg.Mode == multisig.ModeLeased {
		pool, reserve, err := leasedPool(cfg, servers, secret, logger)
		if err != nil {
			return err
		}
		push("close wallet pool", func(context.Context) error { pool.Close(); return nil })
		if reserve != nil {
			// Stopped before the pool closes and the servers stop, so it
			// does not start a wallet on a server that is going away.
			push("stop wallet reserve", func(context.Context) error { reserve.Stop(); return nil })
		}
		mcfg.Pool, mcfg.Reserve = pool, reserve
		if err := rec.ObservePool(pool.Stats); err != nil {
			return fmt.Errorf("metrics: %w", err)
		}
		if reserve != nil {
			if err := rec.ObserveReserve(reserve.Stats); err != nil {
				return fmt.Errorf("metrics: %w", err)
			}
		}
		serversReady, leased = pool.Ready, pool
	} else {
		mcfg.Server = servers[0]
		if cfg.SharedBarrier > 0 {
			mcfg.Barrier = multisig.NewBarrier(cfg.SharedBarrier, 0)
		}
	}
	coord, err := multisig.New(mcfg)
	if err != nil {
		return err
	}
	ready := func() bool { return serversReady() && chainRun.ready() }
	// Payouts share the setup's observer and middleware (chain.go); their
	// daemon calls are spans too.
	m, err := moneyConfig(cfg, chainRun, faucet, leased, secret, mcfg.Observer, mcfg.Middleware, tp.DaemonHook(), logger)
	if err != nil {
		return err
	}

	ecfg := escrows.Config{
		Store: st, Runner: coord, MaxInFlight: cfg.maxInFlight(),
		Link: trace.LinkRequest, Diagnose: diagnoser(tp.FileDir(), logger), Logger: logger,
	}
	// Money path (issue 18). A nil pointer must not become a non-nil
	// interface: "none" stays nil.
	if m.Payer != nil {
		ecfg.Payer = m.Payer
	}
	if m.Faucet != nil {
		ecfg.Faucet = m.Faucet
	}
	if m.Chain != nil {
		ecfg.Chain = m.Chain
	}
	ecfg.ValidateAddress, ecfg.FundingPoll, ecfg.OnRecord, ecfg.NoPayer = m.ValidateAddress, m.FundingPoll, m.OnRecord, m.NoPayer
	svc, err := escrows.New(ecfg)
	if err != nil {
		return err
	}
	// The payer's write-ahead journal is the service (it keeps the records
	// in the store, then calls OnRecord); then the payouts a stopped run
	// left paying_out resume, and the funding watcher starts.
	m.Journal.Set(svc)
	if err := svc.Recover(ctx); err != nil {
		return fmt.Errorf("resume payouts: %w", err)
	}
	var hosts []string
	if host, _, err := net.SplitHostPort(cfg.Listen); err == nil && host != "" {
		hosts = append(hosts, host)
	}
	handler, err := api.New(api.Config{
		Service: svc, TracesDir: tp.FileDir(), Token: cfg.APIToken, Ready: ready,
		UI: true, JaegerUIURL: cfg.JaegerUI,
		TracerProvider: tp.TracerProvider(), Propagator: tp.Propagator(), Logger: logger,
		Hosts: hosts, TrustedProxies: cfg.TrustedProxies, SecureCookies: cfg.BehindTLSProxy,
		Metrics: rec.Handler(),
	})
	if err != nil {
		return err
	}
	srv := newHTTPServer(cfg, handler, logger)
	scheme := "http"
	if cfg.TLSCert != "" {
		scheme = "https"
	}
	served := make(chan error, 1)
	go func() {
		if cfg.TLSCert != "" {
			served <- srv.ServeTLS(ln, "", "") // the pair is in srv.TLSConfig
			return
		}
		served <- srv.Serve(ln)
	}()

	base := scheme + "://" + ln.Addr().String()
	logger.Info("escrowd ready", "version", version, "listen", ln.Addr().String(), "mode", cfg.Mode,
		"network", cfg.Network, "daemon", chainRun.daemonAddress(), "embedded_daemon", chainRun.daemon != nil,
		"faucet", faucet != nil, "payouts", m.Payer != nil, "payout_mode", cfg.PayoutMode,
		"wallet_servers", len(servers), "max_in_flight", cfg.maxInFlight(), "data_dir", cfg.DataDir,
		"traces_dir", tp.FileDir(), "instrumentation", tp.Enabled(), "api_token", cfg.APIToken != "",
		"tls", cfg.TLSCert != "", "behind_tls_proxy", cfg.BehindTLSProxy, "trusted_proxies", len(cfg.TrustedProxies),
		"ui", base+"/ui/", "jaeger_ui", cfg.JaegerUI)
	fmt.Fprintf(stdout, "escrowd listening on %s\n", base)

	select {
	case <-ctx.Done():
	case err := <-served:
		return fmt.Errorf("http server: %w", err)
	}
	// A second signal now kills at once (the wallet servers still get
	// SIGTERM from the kernel: they are started with a parent-death signal).
	stopSignals()
	logger.Info("shutting down", "escrows_in_flight", svc.InFlight(), "timeout", cfg.ShutdownTimeout)
	return shutdown(srv, svc, cfg.ShutdownTimeout, logger)
}

// shutdown stops accepting, lets escrows finish up to timeout (then cancels
// and records them failed "shutdown"), and closes the HTTP server. Requests
// that wait for an escrow get its final state before their connection closes.
func shutdown(srv *http.Server, svc *escrows.Service, timeout time.Duration, logger *slog.Logger) error {
	httpCtx, cancelHTTP := context.WithTimeout(context.Background(), timeout+stopBudget)
	defer cancelHTTP()
	httpDone := make(chan error, 1)
	go func() { httpDone <- srv.Shutdown(httpCtx) }()

	ectx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	var errs []error
	if err := svc.Shutdown(ectx); err != nil {
		logger.Warn("escrows stopped at the shutdown timeout", "err", err)
	} else {
		logger.Info("all escrows finished")
	}
	if err := <-httpDone; err != nil {
		errs = append(errs, fmt.Errorf("http server shutdown: %w", err))
		srv.Close() //nolint:errcheck // forcing what Shutdown could not finish
	}
	return errors.Join(errs...)
}

// startServers starts the embedded wallet servers or connects to the external ones.
// daemon is the monerod they use ("" runs them --offline); on regtest one
// more server is started, last, for the faucet.
func startServers(ctx context.Context, cfg config, daemon string, logger *slog.Logger, push func(string, func(context.Context) error)) ([]*walletpool.Server, error) {
	if len(cfg.WalletRPC) > 0 {
		servers := make([]*walletpool.Server, 0, len(cfg.WalletRPC))
		for _, ext := range cfg.WalletRPC {
			s, err := walletpool.NewExternal(ctx, ext)
			if err != nil {
				return nil, fmt.Errorf("external wallet server %s: %w", ext.URL, err)
			}
			servers = append(servers, s)
		}
		logger.Info("using external wallet servers", "count", len(servers))
		return servers, nil
	}
	start := time.Now()
	count := cfg.embeddedServers()
	sup, err := walletpool.StartSupervisor(ctx, walletpool.SupervisorConfig{
		Count:     count,
		Daemon:    daemon,
		Binary:    cfg.WalletRPCBinary,
		WalletDir: cfg.walletDir(),
		LogDir:    cfg.logDir(),
		Logger:    logger,
		Ports:     cfg.WalletRPCPorts,
	})
	if err != nil {
		return nil, fmt.Errorf("start wallet servers: %w", err)
	}
	push("stop wallet servers", sup.Stop)
	logger.Info("wallet servers started", "count", len(sup.Servers()), "daemon", daemon, "offline", daemon == "",
		"duration", time.Since(start).Round(time.Millisecond))
	return sup.Servers(), nil
}

// leasedPool builds the pool of leased mode and, unless turned off, the
// reserve of fresh wallets that the pool prefers to hand out.
func leasedPool(cfg config, servers []*walletpool.Server, secret []byte, logger *slog.Logger) (*walletpool.Pool, *multisig.Reserve, error) {
	size := cfg.Reserve
	if size < 0 {
		size = len(servers)
	}
	// The service admits at most maxInFlight escrows, so the pool's queue
	// never refuses one that the service let in.
	opts := walletpool.PoolOptions{MaxWaiters: cfg.maxInFlight()}
	var reserve *multisig.Reserve
	if size > 0 {
		r, err := multisig.NewReserve(size, secret, logger)
		if err != nil {
			return nil, nil, err
		}
		reserve = r
		opts.Prefer, opts.OnRelease = r.Holds, r.Kick
	}
	pool, err := walletpool.NewPool(servers, opts)
	if err != nil {
		return nil, nil, fmt.Errorf("wallet pool: %w", err)
	}
	if reserve != nil {
		reserve.Start(pool, servers)
	}
	return pool, reserve, nil
}

// censusOf reads the store's census for the escrow gauges.
func censusOf(st *store.Store) func(context.Context) (metrics.Census, error) {
	return func(ctx context.Context) (metrics.Census, error) {
		c, err := st.Census(ctx)
		if err != nil {
			return metrics.Census{}, err
		}
		m := metrics.Census{ByStatus: make(map[string]int, len(c.ByStatus))}
		for status, n := range c.ByStatus {
			m.ByStatus[string(status)] = n
		}
		if !c.OldestPayout.IsZero() {
			m.OldestPayoutAge = time.Since(c.OldestPayout)
		}
		return m, nil
	}
}
