package osprobe

import (
	"os"
	"slices"
	"testing"
)

func TestFind(t *testing.T) {
	cmd, arg := startSleep(t)
	pid := cmd.Process.Pid
	tests := []struct {
		name    string
		substrs []string
		want    []Process
	}{
		{"by its argument", []string{arg}, []Process{{PID: pid, Cmdline: "sleep " + arg}}},
		{"every substring must match", []string{"sleep", arg}, []Process{{PID: pid, Cmdline: "sleep " + arg}}},
		{"across arguments as spaces", []string{"sleep " + arg}, []Process{{PID: pid, Cmdline: "sleep " + arg}}},
		{"one substring missing", []string{arg, "monero-wallet-rpc"}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := Find(tt.substrs...)
			if err != nil || !slices.Equal(got, tt.want) {
				t.Errorf("Find(%q) = %v, %v; want %v", tt.substrs, got, err, tt.want)
			}
			pids, err := PIDs(tt.substrs...)
			if err != nil || len(pids) != len(tt.want) || len(pids) == 1 && pids[0] != pid {
				t.Errorf("PIDs(%q) = %v, %v", tt.substrs, pids, err)
			}
		})
	}
	if p := (Process{PID: 12, Cmdline: "sleep 1"}); p.String() != "12: sleep 1" {
		t.Errorf("String() = %q", p.String())
	}
}

func TestFindSelf(t *testing.T) {
	pids, err := PIDs(os.Args[0])
	if err != nil || !slices.Contains(pids, os.Getpid()) {
		t.Errorf("PIDs(%q) = %v, %v: lacks the test process %d", os.Args[0], pids, err, os.Getpid())
	}
}

func TestGroupMembers(t *testing.T) {
	cmd, _ := startSleep(t)
	pid := cmd.Process.Pid
	got, err := GroupMembers(pid)
	if err != nil || !slices.Equal(got, []int{pid}) {
		t.Errorf("GroupMembers(%d) = %v, %v; want the child alone", pid, got, err)
	}
	_ = cmd.Process.Kill()
	waitState(t, pid, 'Z')
	if got, err := GroupMembers(pid); err != nil || len(got) != 0 {
		t.Errorf("GroupMembers(%d) after the kill = %v, %v; want none (a zombie runs nothing)", pid, got, err)
	}
}
