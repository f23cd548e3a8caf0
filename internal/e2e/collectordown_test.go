package e2e

import (
	"bytes"
	"errors"
	"net"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/escrowd/escrowd/pkg/trace"
)

// Stand-ins for a Jaeger that is down, and what the tests watch of the
// exporter's failures.

// closedEndpoint is an OTLP endpoint URL on a loopback port nobody listens
// on: connections are refused at once.
func closedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	return "http://" + addr
}

// blackholedEndpoint is an OTLP endpoint URL whose listener accepts
// connections and never reads or answers: the worst case, a collector that
// hangs. The connections are closed when the test ends.
func blackholedEndpoint(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var (
		mu    sync.Mutex
		conns []net.Conn
		wg    sync.WaitGroup
	)
	wg.Go(func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return // closed by the cleanup
			}
			mu.Lock()
			conns = append(conns, c)
			mu.Unlock()
		}
	})
	t.Cleanup(func() {
		_ = l.Close()
		wg.Wait()
		mu.Lock()
		defer mu.Unlock()
		for _, c := range conns {
			_ = c.Close()
		}
	})
	return "http://" + l.Addr().String()
}

// logBuffer is a log destination safe for the exporter's goroutines to write
// while the test reads it.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// errorCount counts the errors OpenTelemetry reports before passing them on
// to the handler escrowd installed: how many failures there were, against
// which the log's lines are judged.
type errorCount struct {
	next otel.ErrorHandler
	n    atomic.Int64
	last atomic.Value // error
}

func (c *errorCount) Handle(err error) {
	c.n.Add(1)
	c.last.Store(errors.New(err.Error()))
	c.next.Handle(err)
}

func (c *errorCount) count() int { return int(c.n.Load()) }

// installGlobal is p.InstallGlobal(interval) with an errorCount in front of
// escrowd's handler; the test's end puts quiet globals back, so that later
// tests' exporters do not log into this test's buffer.
func installGlobal(t *testing.T, p *trace.Provider, interval time.Duration) *errorCount {
	t.Helper()
	p.InstallGlobal(interval)
	c := &errorCount{next: otel.GetErrorHandler()}
	otel.SetErrorHandler(c)
	t.Cleanup(func() {
		otel.SetTracerProvider(noop.NewTracerProvider())
		otel.SetErrorHandler(otel.ErrorHandlerFunc(func(error) {}))
	})
	return c
}
