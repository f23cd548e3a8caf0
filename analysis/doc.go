// Package analysis reads escrow traces and explains them: the timeline of one
// escrow, its RPC statistics, the wallet-state progression per role, the
// anomalies of the contract (shared/escrow-trace/README.md) with a likely cause
// and a fix hint, the first divergence between two escrows, and statistics over
// a directory of many escrows.
//
// Inputs are escrow-trace/v1 files, OTLP/JSON TracesData (the file's "otlp"
// section, a collector file exporter's line, Jaeger's /api/v3/traces answer)
// and traces fetched straight from Jaeger; all become the same
// escrowtrace.File timeline (see Parse, ReadFile, Jaeger.Fetch).
//
// A file may hold the escrow's whole lifecycle (shared/escrow-trace,
// "Lifecycle additions"): setup, fund and payout phases (release, refund,
// resolve), each a root span of the escrow's trace. Every output reads all
// phases; a file of the setup alone reads exactly as before. Analyze adds a
// Lifecycle (each phase run with its findings and root cause, the balance of
// each wallet at each funding and payout snapshot, a payout's steps per
// role), the payout's anomaly kinds (import_before_refresh,
// stale_multisig_data, multisig_import_needed, balance_mismatch,
// double_payout) are found per payout run, Compare aligns phase by phase and
// a payout by escrow.PayoutSteps, Aggregate counts failures by phase, and
// OnlyPhase cuts a file to one phase.
//
// A failed escrow is named by its root cause (RootCause: the first
// root-cause kind of the contract's order; rpc_error, the symptom, only when
// nothing better shows). Failures are switched on their kind, the one the
// file records or the one walletrpc derives from the wallet's answer: no
// wallet message is matched here. The domain (roles, points, rounds, the
// protocol's steps) comes from pkg/escrow; diff orders events by those steps.
//
// Computing and rendering are kept apart: Analyze, Compare and Aggregate
// return plain values; the Write*Text and Write*JSON functions render them, so
// another renderer (HTML) can be added without touching the analysis.
//
// Start with:
//
//	f, err := analysis.ReadFile("escrow_42.json")
//	if err != nil { ... }
//	a := analysis.Analyze(f, analysis.Options{})
//	_ = analysis.WriteAnalysisText(os.Stdout, a, analysis.TextOptions{})
package analysis
