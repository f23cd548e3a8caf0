// Package api is escrowd's HTTP API (JSON over echo/v4): create an escrow,
// read it, list escrows, fetch an escrow's trace file, and the health probes.
//
// New builds the handler from a Config. Every error is a JSON object
// {"error": "..."} that says what is wrong; a refused request stores nothing.
// Each request is an OpenTelemetry server span (W3C trace context accepted),
// and the escrow it starts links back to it from its own trace.
package api
