// Package demotest runs the README's first command, the demo
// (scripts/demo.sh), in its shortened form on real wallet servers and a real
// regtest monerod, so that the demo cannot silently rot: it must reproduce
// the setup race, diagnose it, diff it and fix it; then fund and release
// escrows on escrowd's embedded chain, reproduce the naive payout's failure
// and have the analyzer name it import_before_refresh with its evidence, pay
// the escrow it left funded after the fix, diff the failed payout against a
// good one down to the missing refresh, and find the payouts in the vendor's
// own wallet; and exit 0, leaving no process behind.
package demotest
