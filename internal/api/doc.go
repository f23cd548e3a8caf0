// Package api is escrowd's HTTP API (JSON over echo/v4): create an escrow,
// read it, list escrows, fetch an escrow's trace file, and the health probes.
//
// New builds the handler from a Config. Every error is a JSON object
// {"error": "..."} that says what is wrong; a refused request stores nothing.
// Each request is an OpenTelemetry server span (W3C trace context accepted),
// and the escrow it starts links back to it from its own trace.
//
// With Config.UI it also serves the pages of internal/ui under /ui/ over the
// same escrows and the traces directory. When Config.Token is set the pages
// need it too: as a bearer token, or through the login form at /ui/login,
// whose session cookie opens the pages only, never /api/.
package api
