// Package walletrpc is a typed JSON-RPC client for monero-wallet-rpc (0.18),
// the one path by which escrowd talks to a wallet.
//
// Start with New and call the typed methods (CreateWallet, PrepareMultisig,
// MakeMultisig, ExchangeMultisigKeys, ...). Every request, typed or not, goes
// through Client.Call, and Middleware wrapped around that single path sees each
// call's method and endpoint: that is where tracing and logging hook in.
//
// A Client is safe for concurrent use, but monero-wallet-rpc serves one request
// at a time and keeps one wallet open per process: serialising the calls that
// belong to one wallet is the caller's job.
//
// Failures come back as typed errors: a wallet's JSON-RPC error is an *Error
// whose kind (ErrAlreadyMultisig, ErrKexRoundMismatch, ...) errors.Is reports;
// an unreachable or misbehaving server gives ErrUnavailable; a cancelled or
// expired context gives ctx.Err(). Error strings never contain call parameters,
// which carry passwords and multisig key material.
package walletrpc
