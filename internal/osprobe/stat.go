package osprobe

import (
	"fmt"
	"os"
	"strconv"
	"strings"
)

// Stat is what tests read from /proc/<pid>/stat.
type Stat struct {
	// State is the kernel's one-letter state: R running, S sleeping, D in
	// uninterruptible wait, T stopped, Z zombie, ...
	State byte
	PPID  int
	PGRP  int
}

// ReadStat reads the Stat of pid.
func ReadStat(pid int) (Stat, error) {
	data, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return Stat{}, fmt.Errorf("osprobe: state of pid %d: %w", pid, err)
	}
	st, err := parseStat(string(data))
	if err != nil {
		return Stat{}, fmt.Errorf("osprobe: state of pid %d: %w", pid, err)
	}
	return st, nil
}

// parseStat parses "pid (comm) state ppid pgrp ...". comm may hold spaces
// and parentheses: the fields start after the last ')'.
func parseStat(s string) (Stat, error) {
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return Stat{}, fmt.Errorf("no command name in %q", s)
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 || len(f[0]) != 1 {
		return Stat{}, fmt.Errorf("too few fields in %q", s)
	}
	ppid, err := strconv.Atoi(f[1])
	if err != nil {
		return Stat{}, fmt.Errorf("ppid: %w", err)
	}
	pgrp, err := strconv.Atoi(f[2])
	if err != nil {
		return Stat{}, fmt.Errorf("pgrp: %w", err)
	}
	return Stat{State: f[0][0], PPID: ppid, PGRP: pgrp}, nil
}

// Alive reports whether pid exists and is not a zombie: a killed process
// can stay a zombie until its parent (or init) reaps it, and runs nothing.
func Alive(pid int) bool {
	st, err := ReadStat(pid)
	return err == nil && st.State != 'Z'
}
