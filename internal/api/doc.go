// Package api is escrowd's HTTP API (JSON over echo/v4): create an escrow,
// fund it and pay it out, read it, list escrows, fetch an escrow's trace
// file, and the health probes.
//
// The escrow resource: POST /api/escrow/init takes buyer_id, vendor_id,
// amount and, optionally, buyer_address and vendor_address (where a refund
// and a release go; set later, once, with POST /api/escrow/:id/addresses;
// each is fixed once set). POST /api/escrow/:id/fund (regtest only: the dev
// faucet pays the amount and mines the blocks that unlock it), /release
// (to the vendor), /refund (to the buyer) and /resolve {"winner":"buyer"|
// "vendor"} take ?wait= as init does: 202 while in progress, 200 once done.
// GET /api/escrow/:id shows status (pending, running, ready, funded,
// paying_out, released, refunded, resolved, failed), the addresses,
// balance and unlocked_balance while funded, payout {phase, to_role,
// tx_hash, amount, fee, height, confirmations} and last_error {phase,
// step, role, message} of a failed payout attempt (the escrow is funded
// again and the payout can be asked again). GET /api/escrows?status=
// filters on any status. Refusals change nothing and send nothing: 400 (a
// bad body, address or winner), 404 (unknown escrow), 409 (not funded,
// already paying or paid: answered with the escrow and its payout; an
// address that is set; fund off regtest; no daemon), 503 (shutting down).
//
// New builds the handler from a Config. Every error is a JSON object
// {"error": "..."} that says what is wrong; a refused request stores nothing.
// Each authenticated request is an OpenTelemetry server span (W3C trace
// context accepted), and the escrow it starts links back to it from its own
// trace; a request refused 401 has no span.
//
// Before anything else, requests a browser sent from another site are
// refused: a foreign Origin is 403, a POST that is not application/json 415,
// and, when no token is set, a Host that is not loopback, localhost or the
// configured name 421 (DNS rebinding). The client's address is the socket's
// peer unless Config.TrustedProxies says whose X-Forwarded-For to believe.
// Trace files are opened under the traces directory as an os.Root, regular
// files only: never through a link.
//
// With Config.UI it also serves the pages of internal/ui under /ui/ over the
// same escrows and the traces directory. When Config.Token is set the pages
// need it too: as a bearer token, or through the login form at /ui/login,
// whose session cookie opens the pages only, never /api/.
package api
