// Command escrowtrace reads escrow traces (escrow_<id>.json files, OTLP/JSON,
// Jaeger's v3 answers, or traces fetched from Jaeger) and explains them:
//
//	escrowtrace timeline FILE|ID      the events, one per line
//	escrowtrace analyze FILE|ID       RPC statistics, snapshots, errors, anomalies, root cause
//	escrowtrace diff A B              the first divergence and the aligned steps
//	escrowtrace stats DIR...          counts, failures by root cause and latencies over many files
//	escrowtrace validate FILE...      JSON-schema check of v1 files
//
// Exit status: 0 clean, 1 anomalies, a failure or a divergence found, 2 usage
// or input errors. Flag parsing lives here; all logic is in package analysis.
//
// Input is untrusted: files above analysis.MaxInputBytes are refused before
// they are read, text from files and servers reaches the terminal with its
// control characters escaped, and --jaeger never shows the URL's password and
// follows redirects on its host only.
package main
