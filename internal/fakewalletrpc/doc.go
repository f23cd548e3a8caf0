// Package fakewalletrpc is a stand-in for monero-wallet-rpc, for tests of
// what the real server cannot be made to do on demand: ignore SIGTERM (as
// 0.18 does once it hangs in its own shutdown), or take a port first.
//
// Main takes the command line the walletpool supervisor gives a real server
// (--rpc-bind-ip, --rpc-bind-port, --config-file with rpc-login=user:pass),
// listens where it says, and answers get_version behind the same HTTP Digest
// login (MD5, qop=auth), so that the supervisor's checks pass as they do on
// the real server. Every other method answers a JSON-RPC error.
//
// A test binary runs it as a server by exec'ing itself from a small script
// given as the supervisor's Binary (see walletpool's tests): exec keeps the
// PID, so the listening socket belongs to the process the supervisor
// started.
package fakewalletrpc
