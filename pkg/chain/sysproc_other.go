//go:build unix && !linux

package chain

import "syscall"

// sysProcAttr: see sysproc_linux.go; without Pdeathsig the daemon outlives
// an escrowd killed with SIGKILL.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}
