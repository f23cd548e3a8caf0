package walletpool

import (
	"os"
	"syscall"
)

// sysProcAttr puts each server in its own process group (a terminal's Ctrl-C
// goes to escrowd, which then stops the servers in order, saving wallets)
// and asks the kernel to SIGTERM it when escrowd dies, even by SIGKILL.
//
// Pdeathsig is tied to the forking thread: spawn keeps that thread locked
// for the life of the process.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}

// signalGroup signals the server's whole process group.
func signalGroup(p *os.Process, sig syscall.Signal) error {
	return syscall.Kill(-p.Pid, sig)
}
