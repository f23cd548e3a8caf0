package logs_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/internal/store"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/logs"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
	"github.com/escrowd/escrowd/pkg/trace"
)

// lockedBuffer is the log's destination, written from many goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// TestEscrowJSONLogsCarryTraceID runs a real escrow through the service as
// escrowd does (store, coordinator on leased wallet servers, tracing on),
// with one JSON logger everywhere and each wallet call logged with its
// context, and checks that every record of the escrow carries its trace_id,
// and that the records logged inside a span carry that span's span_id.
func TestEscrowJSONLogsCarryTraceID(t *testing.T) {
	sup := wallettest.Start(t, 3)
	ctx := context.Background()
	out := &lockedBuffer{}
	logger, err := logs.New(logs.FormatJSON, out, slog.LevelDebug)
	if err != nil {
		t.Fatal(err)
	}
	tp, err := trace.Setup(ctx, trace.Config{Enabled: true, File: true, FileDir: t.TempDir(), Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	defer tp.Shutdown(ctx)
	pool, err := walletpool.NewPool(sup.Servers(), walletpool.PoolOptions{MaxWaiters: 4})
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	logCalls := func(next walletrpc.Invoker) walletrpc.Invoker {
		return func(ctx context.Context, call *walletrpc.Call) error {
			err := next(ctx, call)
			logger.DebugContext(ctx, "wallet call", "method", call.Method, logs.KeyErr, err)
			return err
		}
	}
	coord, err := multisig.New(multisig.Config{Pool: pool, Secret: []byte("logs-test-master-secret-of-32-bytes"),
		Observer: tp.Observer(), Logger: logger,
		Middleware: func(next walletrpc.Invoker) walletrpc.Invoker { return tp.Middleware()(logCalls(next)) }})
	if err != nil {
		t.Fatal(err)
	}
	st, err := store.Open(ctx, filepath.Join(t.TempDir(), "escrowd.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	svc, err := escrows.New(escrows.Config{Store: st, Runner: coord, MaxInFlight: 2, Link: trace.LinkRequest, Logger: logger})
	if err != nil {
		t.Fatal(err)
	}
	e, err := svc.Submit(ctx, escrows.Request{BuyerID: "buyer", VendorID: "vendor", Amount: 42})
	if err != nil {
		t.Fatal(err)
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	got, err := svc.Wait(wctx, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Status != store.StatusReady {
		t.Fatalf("escrow %s: %s (%s)", e.ID, got.Status, got.Error)
	}
	if err := svc.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	want, err := escrow.TraceIDFor(e.ID)
	if err != nil {
		t.Fatal(err)
	}
	out.mu.Lock()
	defer out.mu.Unlock()
	records, calls := 0, 0
	sc := bufio.NewScanner(&out.buf)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var rec map[string]any
		if err := json.Unmarshal(sc.Bytes(), &rec); err != nil {
			t.Fatalf("not JSON: %v: %s", err, sc.Bytes())
		}
		if rec[logs.KeyEscrowID] != e.ID {
			continue
		}
		records++
		if rec[logs.KeyTraceID] != want {
			t.Errorf("record without the escrow's trace_id %s: %s", want, sc.Bytes())
		}
		if rec["msg"] == "wallet call" {
			calls++
			if s, _ := rec[logs.KeySpanID].(string); len(s) != 16 {
				t.Errorf("a record inside a span without span_id: %s", sc.Bytes())
			}
		}
	}
	// The service's start and end, the trace's start, and every wallet call.
	if records < 3+calls || calls < 30 {
		t.Fatalf("%d records of the escrow, %d of them wallet calls: too few", records, calls)
	}
}
