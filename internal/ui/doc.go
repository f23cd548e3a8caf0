// Package ui serves escrowd's pages for people: /ui/ lists recent escrows
// with their lifecycle state (any status string; ready, funded, paying_out,
// released, refunded, resolved, failed each with its own style and words),
// failure kind and root cause, from the Source's entries alone (it opens no
// trace file, however long the list); /ui/escrow/:id shows one escrow's
// trace over its whole lifecycle (phases, lanes per role, RPC calls,
// snapshots and balances, the payout's steps, anomalies with hints) and
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
//
// With Options.Token the pages require the token. Browsers send no bearer
// header, so a form at /ui/login takes the token once and sets an HttpOnly,
// SameSite=Strict session cookie (an HMAC of its expiry keyed by the token,
// valid SessionTTL); scripts may send "Authorization: Bearer" instead.
package ui
