package osprobe

import (
	"fmt"
	"os"
	"slices"
	"strconv"
	"strings"
)

// Process is a running process and its command line.
type Process struct {
	PID int
	// Cmdline is the arguments joined by spaces.
	Cmdline string
}

func (p Process) String() string { return strconv.Itoa(p.PID) + ": " + p.Cmdline }

// Find lists, by PID, the processes whose command line contains every one
// of substrs (e.g. "monero-wallet-rpc" and a wallet directory). Zombies and
// kernel threads have an empty command line and are never found.
func Find(substrs ...string) ([]Process, error) {
	var out []Process
	err := eachPID(func(pid int) {
		data, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
		if err != nil || len(data) == 0 {
			return // gone meanwhile, a zombie or a kernel thread
		}
		line := strings.ReplaceAll(strings.TrimRight(string(data), "\x00"), "\x00", " ")
		for _, s := range substrs {
			if !strings.Contains(line, s) {
				return
			}
		}
		out = append(out, Process{PID: pid, Cmdline: line})
	})
	return out, err
}

// PIDs is Find's PIDs only.
func PIDs(substrs ...string) ([]int, error) {
	ps, err := Find(substrs...)
	pids := make([]int, len(ps))
	for i, p := range ps {
		pids[i] = p.PID
	}
	return pids, err
}

// GroupMembers lists the live (not zombie) processes of process group pgrp.
func GroupMembers(pgrp int) ([]int, error) {
	var pids []int
	err := eachPID(func(pid int) {
		if st, err := ReadStat(pid); err == nil && st.PGRP == pgrp && st.State != 'Z' {
			pids = append(pids, pid)
		}
	})
	return pids, err
}

// eachPID calls fn with every PID in /proc, in increasing order.
func eachPID(fn func(pid int)) error {
	entries, err := os.ReadDir("/proc")
	if err != nil {
		return fmt.Errorf("osprobe: list processes: %w", err)
	}
	var pids []int
	for _, e := range entries {
		if pid, err := strconv.Atoi(e.Name()); err == nil {
			pids = append(pids, pid)
		}
	}
	slices.Sort(pids)
	for _, pid := range pids {
		fn(pid)
	}
	return nil
}

// AllPIDs lists every process's PID, in increasing order.
func AllPIDs() ([]int, error) {
	var pids []int
	err := eachPID(func(pid int) { pids = append(pids, pid) })
	return pids, err
}

// Args is pid's argument vector; empty for a zombie or a kernel thread.
func Args(pid int) ([]string, error) {
	return nulList(pid, "cmdline")
}

// Environ is the environment pid was started with (what execve got, not
// later changes), as KEY=value strings. Only the process's own user (or
// root) may read it.
func Environ(pid int) ([]string, error) {
	return nulList(pid, "environ")
}

func nulList(pid int, file string) ([]string, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/%s", pid, file))
	if err != nil {
		return nil, fmt.Errorf("osprobe: %s of pid %d: %w", file, pid, err)
	}
	if len(data) == 0 {
		return nil, nil
	}
	return strings.Split(strings.TrimSuffix(string(data), "\x00"), "\x00"), nil
}
