package chain

import "syscall"

// sysProcAttr puts monerod in its own process group (a terminal's Ctrl-C
// goes to escrowd, which stops the daemon in order) and has the kernel
// SIGKILL it when escrowd dies, even by SIGKILL: an orphan daemon would keep
// its port and its database lock.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}
