package reliability_test

import (
	"context"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"

	"go.opentelemetry.io/otel"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/trace"
)

// Log messages the tests count: the file exporter's (once per failing
// stretch) and OpenTelemetry's error handler's as escrowd installs it.
const (
	msgWriteFailed   = "jsonfile: cannot write escrow trace files"
	msgWriteWorks    = "jsonfile: writing escrow trace files works again"
	msgExportFailed  = "trace export failed"
	exportErrorEvery = time.Hour // InstallGlobal's interval: no second report within a test
)

// TestTracesDirUnwritable: when the traces directory cannot be written,
// escrows still complete; the failure is counted and logged once, and no
// temporary file is left behind.
func TestTracesDirUnwritable(t *testing.T) {
	needServers(t)

	t.Run("under a file at start-up", func(t *testing.T) {
		// We run as root, so a chmod would not bind: a path under a
		// regular file fails for everyone (ENOTDIR).
		file := filepath.Join(t.TempDir(), "plain")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		_, err := trace.Setup(context.Background(), trace.Config{Enabled: true, File: true, FileDir: filepath.Join(file, "traces")})
		if !errors.Is(err, syscall.ENOTDIR) {
			t.Fatalf("Setup = %v, want ENOTDIR: refused before any escrow runs", err)
		}
	})

	t.Run("replaced by a file while running", func(t *testing.T) {
		root := t.TempDir()
		dir := filepath.Join(root, "traces")
		var logs logBuffer
		p := setupTracing(t, trace.Config{File: true, FileDir: dir, Logger: logs.logger()})
		installGlobal(t, p)
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(dir, []byte("not a directory\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		id := runEscrows(t, p, 1)
		// A retry on the broken directory fails again, and is not logged again.
		if err := p.Files().ForceFlush(context.Background()); !errors.Is(err, syscall.ENOTDIR) {
			t.Fatalf("flush into a file = %v, want ENOTDIR", err)
		}

		st := p.Files().Stats()
		if st.WriteErrors < 2 || st.FilesWritten != 0 {
			t.Fatalf("stats %+v: want a write error per attempt and no file", st)
		}
		checkReportedOnce(t, &logs)
		if l := leftovers(t, root); len(l) != 0 {
			t.Fatalf("temporary files left: %v", l)
		}

		// Once the directory is back, a flush writes the files that failed.
		// (The exporter's own ForceFlush: the SDK's simple span processor
		// does not pass the provider's ForceFlush on to its exporter.)
		if err := os.Remove(dir); err != nil {
			t.Fatal(err)
		}
		if err := os.Mkdir(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if err := p.Files().ForceFlush(context.Background()); err != nil {
			t.Fatalf("flush after the directory came back: %v", err)
		}
		for _, e := range id {
			if f, _ := escrowtracetest.ReadFile(t, dir, e); f.Outcome != escrowtrace.OutcomeSuccess {
				t.Fatalf("escrow %s: outcome %s after recovery", e, f.Outcome)
			}
		}
		if n := logs.count(msgWriteWorks); n != 1 {
			t.Fatalf("%q logged %d times, want once", msgWriteWorks, n)
		}
		t.Logf("stats while broken: %+v; after recovery: %+v", st, p.Files().Stats())
	})

	t.Run("full tmpfs", func(t *testing.T) {
		root := t.TempDir()
		dir := filepath.Join(root, "traces")
		if err := os.Mkdir(dir, 0o750); err != nil {
			t.Fatal(err)
		}
		if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=16k,mode=0750", "tmpfs", dir).CombinedOutput(); err != nil {
			t.Skipf("cannot mount a tmpfs here (%v: %s); the ENOTDIR variants cover the failure path", err, out)
		}
		t.Cleanup(func() {
			if err := syscall.Unmount(dir, 0); err != nil {
				t.Errorf("unmount %s: %v", dir, err)
			}
		})
		fillDisk(t, filepath.Join(dir, "filler"))

		var logs logBuffer
		p := setupTracing(t, trace.Config{File: true, FileDir: dir, Logger: logs.logger()})
		installGlobal(t, p)
		runEscrows(t, p, 1)

		// Shutdown retries the failed files once more, as the daemon's exit does.
		if err := p.Shutdown(context.Background()); !errors.Is(err, syscall.ENOSPC) {
			t.Fatalf("shutdown on a full disk = %v, want ENOSPC", err)
		}
		st := p.Files().Stats()
		if st.WriteErrors < 2 || st.FilesWritten != 0 {
			t.Fatalf("stats %+v: want write errors and no file", st)
		}
		checkReportedOnce(t, &logs)
		if l := leftovers(t, root); len(l) != 0 {
			t.Fatalf("temporary files left: %v", l)
		}
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		if len(entries) != 1 {
			t.Fatalf("full disk holds %d entries, want the filler only", len(entries))
		}
		t.Logf("stats on a full disk: %+v", st)
	})
}

// installGlobal wires OpenTelemetry's error handler as the daemon does, and
// puts the previous one back when the test ends.
func installGlobal(t *testing.T, p *trace.Provider) {
	t.Helper()
	prev := otel.GetErrorHandler()
	p.InstallGlobal(exportErrorEvery)
	t.Cleanup(func() { otel.SetErrorHandler(prev) })
}

// runEscrows runs n escrows at once with p's hooks; all must succeed.
func runEscrows(t *testing.T, p *trace.Provider, n int) []string {
	t.Helper()
	pool := newPool(t, servers.Servers(), walletpool.PoolOptions{})
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret, Observer: p.Observer(), Middleware: p.Middleware()})
	if err != nil {
		t.Fatal(err)
	}
	ids := make([]string, n)
	errs := make([]error, n)
	done := make(chan int)
	for i := range n {
		e := newEscrow()
		ids[i] = e.ID
		go func() { _, errs[i] = c.Run(context.Background(), e); done <- i }()
	}
	for range n {
		<-done
	}
	for i, err := range errs {
		if err != nil {
			t.Fatalf("escrow %s failed: %v", ids[i], err)
		}
	}
	return ids
}

// checkReportedOnce: however many writes failed, the exporter said it once
// and the OpenTelemetry handler once.
func checkReportedOnce(t *testing.T, logs *logBuffer) {
	t.Helper()
	for _, msg := range []string{msgWriteFailed, msgExportFailed} {
		if n := logs.count(msg); n != 1 {
			t.Errorf("%q logged %d times, want once; log:\n%s", msg, n, logs.Bytes())
		}
	}
}

// fillDisk writes to path until the file system is full.
func fillDisk(t *testing.T, path string) {
	t.Helper()
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1024)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill: %v", err)
			}
			return
		}
	}
}
