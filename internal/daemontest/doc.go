// Package daemontest is the one harness for tests that run the real escrowd
// binary: Binary builds cmd/escrowd once per test binary, Start runs it with
// the test's arguments and environment, reads its listening address, waits
// (deadline-bound) for /readyz, captures its log and, at cleanup, stops it
// with SIGTERM and then SIGKILL after a bounded wait, so no process outlives
// the test. Without Options.Chain it runs escrowd --offline (setups only), so
// that tests of the setup do not each start a monerod; a test of the money
// path sets Chain. WaitReady polls any escrowd URL until it is ready. StartImpostor
// runs another program on a wallet server's port for the impostor-port tests:
// it answers like a wallet server and records every request.
//
// A test package that uses Binary calls Main from its TestMain so that the
// built binary is removed when the tests end.
package daemontest
