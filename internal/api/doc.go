// Package api is escrowd's HTTP API (JSON over echo/v4): create an escrow,
// read it, list escrows, fetch an escrow's trace file, and the health probes.
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
