//go:build unix && !linux

package walletpool

import (
	"os"
	"syscall"
)

// sysProcAttr: see sysproc_linux.go; without Pdeathsig, servers outlive an
// escrowd that is killed with SIGKILL.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true}
}

func signalGroup(p *os.Process, sig syscall.Signal) error {
	return syscall.Kill(-p.Pid, sig)
}
