// Package osprobe reads what the operating system shows about escrowd's
// processes and files: a process's state, argument vector and environment,
// the processes whose command line names something (a wallet directory), the
// TCP sockets a process listens on or that listen on a port, and the regular
// files under a directory with their permission bits.
//
// Tests use it to check escrowd from the outside; walletpool uses its
// readers at run time too, to confirm that the socket a wallet server
// answers on belongs to the process it started and to find servers that a
// crashed run left behind.
//
// It reads Linux's /proc. The functions that take a TB (Files,
// CheckLoopback, CheckPerm, CheckPermWithin) are test helpers that report
// through it; the others return errors that wrap the os errors, so that
// errors.Is(err, fs.ErrNotExist) tells a process that is gone.
package osprobe

// TB is the part of testing.TB the helpers report through.
type TB interface {
	Helper()
	Errorf(format string, args ...any)
	Fatalf(format string, args ...any)
}
