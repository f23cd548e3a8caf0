// Package escrows is escrowd's escrow service: it checks a request, admits it
// or refuses it as busy, stores it, runs the multisig setup in the background
// and records how it ended.
//
// The HTTP API calls Submit, Get, Wait and List; cmd/escrowd builds the
// Service with New over a store and a Runner (the multisig coordinator) and
// calls Shutdown when the process stops.
package escrows
