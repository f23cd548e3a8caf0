// Package ui serves escrowd's pages for people: /ui/ lists recent escrows
// with their status and failure kind, /ui/escrow/:id shows one escrow's trace
// (lanes per role, RPC calls, snapshots, anomalies with hints) and
// /ui/diff?a=&b= compares two escrows. The escrow and diff pages are the
// analysis package's self-contained HTML; this package only finds the trace
// files, checks the IDs and adds the HTTP side: status codes, error pages and
// a Content-Security-Policy that forbids any external load.
//
// Start with:
//
//	e := echo.New()
//	ui.Register(e, src, ui.Options{JaegerUIURL: "http://127.0.0.1:16686"})
//
// where src is a Source over escrowd's store and traces directory.
package ui
