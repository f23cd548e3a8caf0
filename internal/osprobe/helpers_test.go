package osprobe

import (
	"fmt"
	"os/exec"
	"runtime"
	"strconv"
	"syscall"
	"testing"
	"time"
)

// reports records what a helper reports; Fatalf ends the goroutine as
// testing's does.
type reports struct {
	errors []string
	fatal  string
}

func (r *reports) Helper() {}

func (r *reports) Errorf(format string, args ...any) {
	r.errors = append(r.errors, fmt.Sprintf(format, args...))
}

func (r *reports) Fatalf(format string, args ...any) {
	r.fatal = fmt.Sprintf(format, args...)
	runtime.Goexit()
}

// run calls fn with a fresh reports on its own goroutine, so that Fatalf can
// end it.
func run(fn func(r *reports)) *reports {
	r := &reports{}
	done := make(chan struct{})
	go func() {
		defer close(done)
		fn(r)
	}()
	<-done
	return r
}

// startSleep starts "sleep <seconds>" in a process group of its own; the
// unusual duration makes its command line unique among the machine's.
func startSleep(t *testing.T) (*exec.Cmd, string) {
	t.Helper()
	arg := strconv.FormatFloat(600+float64(time.Now().UnixNano()%1_000_000)/1e6, 'f', 6, 64)
	cmd := exec.Command("sleep", arg)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	return cmd, arg
}

// waitState polls until pid shows state (deadline-bound): a signal takes
// effect when the process is next scheduled, not when kill returns.
func waitState(t *testing.T, pid int, state byte) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		st, err := ReadStat(pid)
		if err == nil && st.State == state {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("pid %d: state %c (%v), want %c", pid, st.State, err, state)
		}
		time.Sleep(5 * time.Millisecond) // polling the kernel's view, not a fix
	}
}
