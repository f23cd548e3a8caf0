package osprobe

import (
	"errors"
	"io/fs"
	"net"
	"os/exec"
	"slices"
	"syscall"
	"testing"
	"time"
)

// TestPortListenersAndOwns: a listener of this process is found by its port
// and is ours, not a child's; a gone process is fs.ErrNotExist.
func TestPortListenersAndOwns(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	ls, err := PortListeners(port)
	if err != nil || len(ls) != 1 || ls[0].Local.String() != ln.Addr().String() {
		t.Fatalf("PortListeners(%d) = %v, %v; want the one at %s", port, ls, err, ln.Addr())
	}
	cmd, _ := startSleep(t)
	tests := []struct {
		name string
		pid  int
		want bool
	}{
		{"own socket", syscall.Getpid(), true},
		{"not the child's", cmd.Process.Pid, false},
	}
	for _, tt := range tests {
		if got, err := Owns(tt.pid, ls[0]); err != nil || got != tt.want {
			t.Errorf("%s: Owns = %v, %v; want %v", tt.name, got, err, tt.want)
		}
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if _, err := Owns(cmd.Process.Pid, ls[0]); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Owns of a gone process: %v, want fs.ErrNotExist", err)
	}
	ln.Close()
	if ls, err := PortListeners(port); err != nil || len(ls) != 0 {
		t.Errorf("PortListeners after close = %v, %v; want none", ls, err)
	}
}

// TestArgsEnviron reads a child's argv and exactly the environment it was
// given.
func TestArgsEnviron(t *testing.T) {
	cmd := exec.Command("sleep", "600.424242")
	cmd.Env = []string{"A=1", "B=two words"}
	if err := cmd.Start(); err != nil {
		t.Skipf("cannot start sleep: %v", err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	pid := cmd.Process.Pid
	// Start returns once exec succeeded, but on a loaded machine the new
	// image's argv can read empty for a moment: wait for it.
	var args []string
	var err error
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(10 * time.Millisecond) {
		if args, err = Args(pid); err == nil && len(args) > 0 {
			break
		}
	}
	if err != nil || !slices.Equal(args, []string{"sleep", "600.424242"}) {
		t.Errorf("Args = %q, %v", args, err)
	}
	env, err := Environ(pid)
	if err != nil || !slices.Equal(env, cmd.Env) {
		t.Errorf("Environ = %q, %v; want %q", env, err, cmd.Env)
	}
	pids, err := AllPIDs()
	if err != nil || !slices.Contains(pids, pid) || !slices.IsSorted(pids) {
		t.Errorf("AllPIDs lacks %d or is unsorted (%v)", pid, err)
	}
	_ = cmd.Process.Kill()
	_ = cmd.Wait()
	if _, err := Environ(pid); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Environ of a gone process: %v", err)
	}
}
