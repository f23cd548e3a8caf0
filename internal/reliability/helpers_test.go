package reliability_test

import (
	"bytes"
	"context"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
	"github.com/escrowd/escrowd/pkg/trace"
)

var testSecret = []byte("reliability-test-master-secret-32b!")

// needServers skips under -short and fails without the shared servers.
func needServers(t *testing.T) {
	t.Helper()
	if testing.Short() {
		t.Skip("real wallet servers: skipped under -short")
	}
	wallettest.Skip(t)
	if servers == nil {
		t.Fatal("shared wallet servers did not start (see TestMain)")
	}
}

func newEscrow() multisig.Escrow {
	return multisig.Escrow{ID: uuid.NewString(), BuyerID: "buyer-1", VendorID: "vendor-1", Amount: 1_000_000_000_000}
}

// logBuffer collects a run's log lines from many goroutines.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.buf.Write(p)
}

func (l *logBuffer) Bytes() []byte {
	l.mu.Lock()
	defer l.mu.Unlock()
	return bytes.Clone(l.buf.Bytes())
}

// count is how many log lines carry msg.
func (l *logBuffer) count(msg string) int {
	n := 0
	for _, line := range strings.Split(string(l.Bytes()), "\n") {
		if strings.Contains(line, msg) {
			n++
		}
	}
	return n
}

// logger writes everything, debug included, as the daemon's most verbose
// setting would: a secret scan over less would prove less.
func (l *logBuffer) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(l, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// setupTracing is trace.Setup with the provider shut down when the test ends.
func setupTracing(t *testing.T, cfg trace.Config) *trace.Provider {
	t.Helper()
	cfg.Enabled = true
	p, err := trace.Setup(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = p.Shutdown(ctx)
	})
	return p
}

// chain puts middlewares in order, the first outermost; nil ones are skipped.
func chain(mws ...walletrpc.Middleware) walletrpc.Middleware {
	return func(next walletrpc.Invoker) walletrpc.Invoker {
		for i := len(mws) - 1; i >= 0; i-- {
			if mws[i] != nil {
				next = mws[i](next)
			}
		}
		return next
	}
}

func newPool(t *testing.T, srv []*walletpool.Server, opts walletpool.PoolOptions) *walletpool.Pool {
	t.Helper()
	if opts.MaxWaiters == 0 {
		opts.MaxWaiters = 64
	}
	p, err := walletpool.NewPool(srv, opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(p.Close)
	return p
}

// serverAt is the shared server a call went to.
func serverAt(endpoint string) *walletpool.Server {
	for _, s := range servers.Servers() {
		if s.Client().Endpoint() == endpoint {
			return s
		}
	}
	return nil
}

// readTrace reads, validates against the schema and decodes an escrow's file.
func readTrace(t *testing.T, dir, escrowID string) (*escrowtrace.File, []byte) {
	t.Helper()
	name, err := escrow.FileName(escrowID)
	if err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(filepath.Join(dir, name))
	if err != nil {
		t.Fatalf("escrow %s: %v", escrowID, err)
	}
	if err := escrowtrace.Validate(data); err != nil {
		t.Fatalf("%s does not validate: %v", name, err)
	}
	f, err := escrowtrace.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	return f, data
}

func countTypes(f *escrowtrace.File) map[string]int {
	n := map[string]int{}
	for _, e := range f.Events {
		n[e.Type]++
	}
	return n
}

// checkRPCPairs asserts every RPC_CALL_START has exactly one end or error.
func checkRPCPairs(t *testing.T, f *escrowtrace.File) {
	t.Helper()
	open := map[string]int{}
	for _, e := range f.Events {
		switch e.Type {
		case escrowtrace.EventRPCCallStart:
			open[e.SpanID]++
		case escrowtrace.EventRPCCallEnd, escrowtrace.EventRPCCallError:
			open[e.SpanID]--
		}
	}
	for id, n := range open {
		if n != 0 {
			t.Errorf("escrow %s span %s: start/end imbalance %d", f.EscrowID, id, n)
		}
	}
}

// leftovers lists the exporter's temporary files (".escrow_<id>.json.tmp-*")
// anywhere under root: an atomic write that failed must leave none.
func leftovers(t *testing.T, root string) []string {
	t.Helper()
	var found []string
	err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.Contains(d.Name(), ".tmp-") {
			found = append(found, path)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return found
}

// restartWatch measures how long the supervisor takes to bring a killed
// server back: it polls (a process restart, with a deadline) from the kill on,
// while the test's escrows still run.
type restartWatch struct {
	done chan struct{}
	took time.Duration
	ok   bool
}

func watchRestart(srv *walletpool.Server, oldPID, restartsBefore int) *restartWatch {
	w := &restartWatch{done: make(chan struct{})}
	start := time.Now()
	go func() {
		defer close(w.done)
		deadline := start.Add(time.Minute)
		for time.Now().Before(deadline) {
			if srv.Healthy() && srv.PID() != 0 && srv.PID() != oldPID && servers.Restarts() > restartsBefore {
				w.took, w.ok = time.Since(start), true
				return
			}
			time.Sleep(10 * time.Millisecond) // polling a process restart, not a fix
		}
	}()
	return w
}

// wait returns the time to restart, failing the test if there was none
// within the deadline.
func (w *restartWatch) wait(t *testing.T, srv *walletpool.Server) time.Duration {
	t.Helper()
	<-w.done
	if !w.ok {
		t.Fatalf("server %s not restarted within a minute (healthy %v, pid %d, restarts %d)",
			srv.ID(), srv.Healthy(), srv.PID(), servers.Restarts())
	}
	return w.took
}
