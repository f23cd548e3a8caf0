package osprobe

import (
	"errors"
	"io/fs"
	"os"
	"syscall"
	"testing"
)

func TestParseStat(t *testing.T) {
	tests := []struct {
		name    string
		in      string
		want    Stat
		wantErr bool
	}{
		{"plain", "1234 (sleep) S 1 1234 1234 0 -1 4194304", Stat{State: 'S', PPID: 1, PGRP: 1234}, false},
		{"command with spaces and parens", "77 (a) b (c)) T 70 77 70 0", Stat{State: 'T', PPID: 70, PGRP: 77}, false},
		{"zombie", "9 (monero-wallet-r) Z 8 9 9 0", Stat{State: 'Z', PPID: 8, PGRP: 9}, false},
		{"no command", "9 monero Z 8 9", Stat{}, true},
		{"too short", "9 (x) R 8", Stat{}, true},
		{"bad ppid", "9 (x) R eight 9", Stat{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseStat(tt.in)
			if got != tt.want || (err != nil) != tt.wantErr {
				t.Errorf("parseStat(%q) = %+v, %v; want %+v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func TestReadStatSelf(t *testing.T) {
	st, err := ReadStat(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != 'R' && st.State != 'S' || st.PPID != os.Getppid() || st.PGRP != syscall.Getpgrp() {
		t.Errorf("own stat %+v: want R or S, ppid %d, pgrp %d", st, os.Getppid(), syscall.Getpgrp())
	}
	if !Alive(os.Getpid()) {
		t.Error("the test process is not alive")
	}
}

// TestChildLifecycle follows a child through the states tests wait for:
// running, stopped, zombie, gone.
func TestChildLifecycle(t *testing.T) {
	cmd, _ := startSleep(t)
	pid := cmd.Process.Pid
	st, err := ReadStat(pid)
	if err != nil || st.PPID != os.Getpid() || st.PGRP != pid || !Alive(pid) {
		t.Fatalf("child: %+v %v alive %v; want our child, leading its group", st, err, Alive(pid))
	}
	steps := []struct {
		name  string
		do    func() error
		state byte
		alive bool
	}{
		{"stopped", func() error { return syscall.Kill(pid, syscall.SIGSTOP) }, 'T', true},
		{"continued", func() error { return syscall.Kill(pid, syscall.SIGCONT) }, 'S', true},
		{"killed, not reaped", func() error { return syscall.Kill(pid, syscall.SIGKILL) }, 'Z', false},
	}
	for _, s := range steps {
		if err := s.do(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		waitState(t, pid, s.state)
		if Alive(pid) != s.alive {
			t.Errorf("%s: Alive = %v, want %v", s.name, !s.alive, s.alive)
		}
	}
	_ = cmd.Wait()
	if _, err := ReadStat(pid); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("reaped child: ReadStat error %v, want fs.ErrNotExist", err)
	}
	if Alive(pid) {
		t.Error("reaped child still alive")
	}
}
