package walletpool

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// procStat is what tests read from /proc/<pid>/stat.
type procStat struct {
	state byte // R, S, D, Z, ...
	ppid  int
	pgrp  int
}

func readProcStat(pid int) (procStat, bool) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "stat"))
	if err != nil {
		return procStat{}, false
	}
	// "pid (comm) state ppid pgrp ...": comm may hold spaces and parens.
	s := string(b)
	i := strings.LastIndexByte(s, ')')
	if i < 0 {
		return procStat{}, false
	}
	f := strings.Fields(s[i+1:])
	if len(f) < 3 {
		return procStat{}, false
	}
	ppid, _ := strconv.Atoi(f[1])
	pgrp, _ := strconv.Atoi(f[2])
	return procStat{state: f[0][0], ppid: ppid, pgrp: pgrp}, true
}

// alive reports whether pid is a running (not zombie) process. A killed
// grandchild can stay a zombie until init reaps it; it runs nothing.
func alive(pid int) bool {
	st, ok := readProcStat(pid)
	return ok && st.state != 'Z'
}

// liveGroupMembers lists the non-zombie processes of process group pgrp.
func liveGroupMembers(pgrp int) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		if st, ok := readProcStat(pid); ok && st.pgrp == pgrp && st.state != 'Z' {
			pids = append(pids, pid)
		}
	}
	return pids
}

// processesUsing lists live processes whose command line mentions dir (our
// servers get --wallet-dir dir).
func processesUsing(dir string) []int {
	ents, _ := os.ReadDir("/proc")
	var pids []int
	for _, e := range ents {
		pid, err := strconv.Atoi(e.Name())
		if err != nil {
			continue
		}
		b, err := os.ReadFile(filepath.Join("/proc", e.Name(), "cmdline"))
		if err == nil && strings.Contains(string(b), dir) && alive(pid) {
			pids = append(pids, pid)
		}
	}
	return pids
}
