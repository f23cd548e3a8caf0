package walletpool

import (
	"slices"

	"github.com/escrowd/escrowd/internal/osprobe"
)

// The process probes of this package's tests, read through osprobe.

// readProcStat reads pid's /proc stat; false if the process is gone.
func readProcStat(pid int) (osprobe.Stat, bool) {
	st, err := osprobe.ReadStat(pid)
	return st, err == nil
}

// alive reports whether pid is a running (not zombie) process. A killed
// grandchild can stay a zombie until init reaps it; it runs nothing.
func alive(pid int) bool { return osprobe.Alive(pid) }

// liveGroupMembers lists the non-zombie processes of process group pgrp.
func liveGroupMembers(pgrp int) []int {
	pids, _ := osprobe.GroupMembers(pgrp)
	return pids
}

// processesUsing lists live processes whose command line mentions dir (our
// servers get --wallet-dir dir).
func processesUsing(dir string) []int {
	pids, _ := osprobe.PIDs(dir)
	return slices.DeleteFunc(pids, func(pid int) bool { return !alive(pid) })
}
