package walletpool

import (
	"os"
	"syscall"
)

// sysProcAttr puts each server in its own process group (a terminal's Ctrl-C
// goes to escrowd, which then stops the servers in order, saving wallets)
// and asks the kernel to SIGKILL it when escrowd dies, even by SIGKILL.
//
// SIGKILL, not SIGTERM: monero-wallet-rpc 0.18 can deadlock in the shutdown
// SIGTERM starts, and an orphan stuck there keeps its port and its open
// wallet forever (FACTS.md, December 2026). Nothing is lost by not saving
// at that point: escrowd stores wallets after every multisig step.
//
// Pdeathsig is tied to the forking thread: spawn keeps that thread locked
// for the life of the process.
func sysProcAttr() *syscall.SysProcAttr {
	return &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
}

// signalGroup signals the server's whole process group.
func signalGroup(p *os.Process, sig syscall.Signal) error {
	return syscall.Kill(-p.Pid, sig)
}
