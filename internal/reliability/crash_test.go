package reliability_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
	"github.com/escrowd/escrowd/pkg/trace"
)

// helperEnv, when set, makes the test binary a child escrowd (see
// TestHelperProcess): its value is the child's working directory.
const helperEnv = "ESCROWD_RELIABILITY_HELPER"

// marker is what the child writes once its escrow is in round 2.
type marker struct {
	EscrowID   string `json:"escrow_id"`
	ServerPIDs []int  `json:"server_pids"`
}

const markerName = "round2.json"

// TestHelperProcess is the child of TestIncompleteTraceAfterCrash: escrowd's
// library path (supervisor, pool, tracing with the file exporter,
// coordinator) running one escrow that it holds in round 2. On SIGTERM it
// does what the daemon does on the way out: Provider.Shutdown, then stop the
// wallet servers. In a normal test run it does nothing.
func TestHelperProcess(t *testing.T) {
	dir := os.Getenv(helperEnv)
	if dir == "" {
		return
	}
	if err := child(dir); err != nil {
		fmt.Fprintln(os.Stderr, "helper:", err)
		os.Exit(1)
	}
	os.Exit(0)
}

func child(dir string) error {
	terms := make(chan os.Signal, 1)
	signal.Notify(terms, syscall.SIGTERM)
	logger := slog.New(slog.NewTextHandler(os.Stderr, nil))
	ctx := context.Background()

	sup, err := walletpool.StartSupervisor(ctx, walletpool.SupervisorConfig{
		Count: 3, WalletDir: filepath.Join(dir, "wallets"), LogDir: filepath.Join(dir, "logs"), Logger: logger,
	})
	if err != nil {
		return err
	}
	defer sup.Stop(context.Background()) //nolint:errcheck // the parent checks the processes are gone
	tp, err := trace.Setup(ctx, trace.Config{Enabled: true, File: true, FileDir: filepath.Join(dir, "traces"), Logger: logger})
	if err != nil {
		return err
	}
	pool, err := walletpool.NewPool(sup.Servers(), walletpool.PoolOptions{})
	if err != nil {
		return err
	}
	defer pool.Close()

	e := newEscrow()
	var pids []int
	for _, s := range sup.Servers() {
		pids = append(pids, s.PID())
	}
	var once sync.Once
	// Hold the escrow in round 2 once the marker is out, so that the signal
	// always finds it running.
	hold := func(next walletrpc.Invoker) walletrpc.Invoker {
		return func(ctx context.Context, call *walletrpc.Call) error {
			if st, _ := multisig.StepFrom(ctx); st.Round == escrow.Round2 && call.Method == "exchange_multisig_keys" {
				var werr error
				once.Do(func() { werr = writeMarker(dir, marker{EscrowID: e.ID, ServerPIDs: pids}) })
				if werr != nil {
					return werr
				}
				<-ctx.Done()
				return ctx.Err()
			}
			return next(ctx, call)
		}
	}
	c, err := multisig.New(multisig.Config{Pool: pool, Secret: testSecret, Observer: tp.Observer(),
		Middleware: chain(tp.Middleware(), hold), Logger: logger})
	if err != nil {
		return err
	}
	runCtx, cancelRun := context.WithCancel(ctx)
	defer cancelRun()
	ran := make(chan error, 1)
	go func() { _, err := c.Run(runCtx, e); ran <- err }()

	select {
	case <-terms:
	case err := <-ran:
		return fmt.Errorf("escrow ended before the signal: %w", err)
	}
	shutCtx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	if err := tp.Shutdown(shutCtx); err != nil {
		return fmt.Errorf("trace shutdown: %w", err)
	}
	cancelRun()
	<-ran
	return nil
}

func writeMarker(dir string, m marker) error {
	data, err := json.Marshal(m)
	if err != nil {
		return err
	}
	tmp := filepath.Join(dir, markerName+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		return err
	}
	return os.Rename(tmp, filepath.Join(dir, markerName))
}

// childProc is a running TestHelperProcess.
type childProc struct {
	cmd    *exec.Cmd
	out    logBuffer
	exited chan struct{} // closed once the child is reaped; cmd.ProcessState is set then
	marker marker
}

// startChild runs TestHelperProcess in a new process and waits until its
// escrow is in round 2.
func startChild(t *testing.T, dir string) *childProc {
	t.Helper()
	c := &childProc{exited: make(chan struct{})}
	c.cmd = exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	c.cmd.Env = append(os.Environ(), helperEnv+"="+dir)
	c.cmd.Stdout, c.cmd.Stderr = &c.out, &c.out
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() { _ = c.cmd.Wait(); close(c.exited) }()
	t.Cleanup(func() {
		_ = c.cmd.Process.Kill()
		<-c.exited
		if t.Failed() {
			t.Logf("child output:\n%s", c.out.Bytes())
		}
	})
	deadline := time.Now().Add(2 * time.Minute)
	for {
		data, err := os.ReadFile(filepath.Join(dir, markerName))
		if err == nil {
			if err := json.Unmarshal(data, &c.marker); err != nil {
				t.Fatal(err)
			}
			return c
		}
		select {
		case <-c.exited:
			t.Fatalf("child exited before round 2: %v", c.cmd.ProcessState)
		default:
		}
		if time.Now().After(deadline) {
			t.Fatal("child did not reach round 2 within two minutes")
		}
		time.Sleep(20 * time.Millisecond) // polling a child process, not a fix
	}
}

// wait waits for the child's end, and then for its wallet servers'.
func (c *childProc) wait(t *testing.T) *os.ProcessState {
	t.Helper()
	select {
	case <-c.exited:
	case <-time.After(time.Minute):
		t.Fatal("child still running a minute after the signal")
	}
	// The servers get SIGTERM from the kernel (parent-death signal) and
	// save their wallets first; mid-exchange on a loaded machine (make test
	// runs packages side by side) that took over a minute once.
	deadline := time.Now().Add(3 * time.Minute)
	for _, pid := range c.marker.ServerPIDs {
		for alive(pid) {
			if time.Now().After(deadline) {
				t.Fatalf("wallet server %d still running three minutes after its parent ended", pid)
			}
			time.Sleep(20 * time.Millisecond) // polling a process's end, not a fix
		}
	}
	return c.cmd.ProcessState
}

// alive: the process exists and is not a zombie waiting for its reaper.
func alive(pid int) bool {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return false
	}
	// pid (comm) state ...: comm may contain ')', so take the last one.
	s := string(data)
	i := strings.LastIndexByte(s, ')')
	return i < 0 || i+2 >= len(s) || s[i+2] != 'Z'
}

// TestIncompleteTraceAfterCrash stops a child escrowd mid-escrow (round 2).
// SIGTERM, handled by flushing the tracing (Provider.Shutdown), leaves the
// escrow's file with outcome incomplete, which the analyzer reports as
// incomplete_trace. SIGKILL can flush nothing: no file, no temporary file,
// and the child's wallet servers die with it (parent-death signal).
func TestIncompleteTraceAfterCrash(t *testing.T) {
	if testing.Short() {
		t.Skip("a child escrowd with real wallet servers: skipped under -short")
	}
	wallettest.Skip(t)

	t.Run("SIGTERM", func(t *testing.T) {
		dir := t.TempDir()
		c := startChild(t, dir)
		m := c.marker
		if err := c.cmd.Process.Signal(syscall.SIGTERM); err != nil {
			t.Fatal(err)
		}
		if st := c.wait(t); !st.Success() {
			t.Fatalf("child after SIGTERM: %v, want a clean exit", st)
		}
		traces := filepath.Join(dir, "traces")
		f, _ := escrowtracetest.ReadFile(t, traces, m.EscrowID)
		if f.Outcome != escrowtrace.OutcomeIncomplete || f.EndedAt != nil {
			t.Fatalf("outcome %s ended_at %v, want incomplete with no end", f.Outcome, f.EndedAt)
		}
		n := escrowtracetest.CountTypes(f)
		// What ended is in: round 1 with its snapshots. Round 2's snapshots
		// are events of the round-2 span, which never ended: a flush
		// exports ended spans only, so they are lost with it.
		if n[escrowtrace.EventSnapshotPostMakeMultisig] != 3 || n[escrowtrace.EventSnapshotPreRound2] != 0 || n[escrowtrace.EventErrorFinal] != 0 {
			t.Fatalf("events %v: want round 1 complete, nothing of round 2, no ERROR_FINAL", n)
		}
		escrowtracetest.CheckRPCPairs(t, f)
		name, _ := escrow.FileName(m.EscrowID)
		af, err := analysis.ReadFile(filepath.Join(traces, name))
		if err != nil {
			t.Fatal(err)
		}
		a := analysis.Analyze(af, analysis.Options{})
		if !slices.ContainsFunc(a.Anomalies, func(an analysis.Anomaly) bool { return an.Kind == analysis.KindIncompleteTrace }) {
			t.Fatalf("anomalies %+v: want incomplete_trace", a.Anomalies)
		}
		if a.Clean() {
			t.Fatal("an incomplete escrow analysed as clean")
		}
		if l := leftovers(t, dir); len(l) != 0 {
			t.Fatalf("temporary files left: %v", l)
		}
		t.Logf("SIGTERM in round 2: %d events kept, anomalies %d", len(f.Events), len(a.Anomalies))
	})

	t.Run("SIGKILL", func(t *testing.T) {
		dir := t.TempDir()
		c := startChild(t, dir)
		if err := c.cmd.Process.Kill(); err != nil {
			t.Fatal(err)
		}
		c.wait(t)
		entries, err := os.ReadDir(filepath.Join(dir, "traces"))
		if err != nil && !errors.Is(err, os.ErrNotExist) {
			t.Fatal(err)
		}
		if len(entries) != 0 {
			t.Fatalf("traces dir after SIGKILL holds %d entries (%s...): want none", len(entries), entries[0].Name())
		}
	})
}
