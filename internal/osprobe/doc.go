// Package osprobe reads what the operating system shows about escrowd's
// processes and files, for tests that check them from the outside: a
// process's state, the processes whose command line names something (a
// wallet directory), the TCP sockets a process listens on, and the regular
// files under a directory with their permission bits.
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
