package metrics_test

import (
	"context"
	"log/slog"
	"net/http"
	"os"

	"github.com/escrowd/escrowd/pkg/logs"
	"github.com/escrowd/escrowd/pkg/metrics"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/trace"
)

// How escrowd wires logs, tracing and metrics (cmd/escrowd): the logger of
// --log-format, tracing and metrics from the same environment and the same
// --instrument switch, both hooks on the coordinator, the pool's and the
// reserve's state, /metrics on the API listener behind the token. (Not run:
// it needs wallet servers.)
func Example_escrowd() {
	ctx := context.Background()
	getenv := os.Getenv
	const version = "1.2.3"

	logger, err := logs.New(logs.FormatJSON, os.Stderr, slog.LevelInfo) // --log-format, --log-level
	if err != nil {
		panic(err) // a configuration error: nothing started
	}
	tcfg := trace.ConfigFromEnv(getenv)
	tcfg.ServiceVersion, tcfg.Logger = version, logger
	mcfg := metrics.ConfigFromEnv(getenv)
	mcfg.Enabled = tcfg.Enabled && mcfg.Exporting() // --instrument decides for both
	mcfg.ServiceVersion, mcfg.Logger = version, logger

	tp, err := trace.Setup(ctx, tcfg)
	if err != nil {
		panic(err)
	}
	defer tp.Shutdown(ctx)
	rec, err := metrics.Setup(ctx, mcfg)
	if err != nil {
		panic(err)
	}
	defer rec.Shutdown(ctx)

	var servers []*walletpool.Server // started by the supervisor
	pool, err := walletpool.NewPool(servers, walletpool.PoolOptions{})
	if err != nil {
		panic(err)
	}
	_ = rec.ObservePool(pool.Stats)
	// With a warm reserve: _ = rec.ObserveReserve(reserve.Stats)

	coord, err := multisig.New(multisig.Config{Pool: pool, Secret: []byte("a master secret of at least 32 bytes"),
		Observer:   rec.Observer(tp.Observer()),
		Middleware: metrics.Chain(tp.Middleware(), rec.Middleware()),
		Logger:     logger})
	_, _ = coord, err

	mux := http.NewServeMux()
	mux.Handle("GET /metrics", rec.Handler()) // behind the API token, like /api
}
