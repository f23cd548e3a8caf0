// Command escrowtrace reads escrow traces (escrow_<id>.json files, OTLP/JSON,
// Jaeger's v3 answers, or traces fetched from Jaeger) and explains them:
//
//	escrowtrace timeline FILE|ID|-    the events, one per line
//	escrowtrace analyze FILE|ID|-     RPC statistics, snapshots, errors, anomalies, root cause
//	escrowtrace diff A B              the first divergence and the aligned steps
//	escrowtrace html FILE|ID|-        a self-contained HTML page of one escrow
//	escrowtrace stats DIR|FILE|-...   counts, failures by root cause and latencies over many files
//	escrowtrace validate FILE|-...    JSON-schema check of v1 files
//	escrowtrace version               the version (also --version)
//	escrowtrace completion SHELL      the completion script for bash, zsh, fish or powershell
//
// The command line is built on cobra: each command has only its own flags
// (--json and --no-color apply to all), "help CMD" and "CMD --help" print the
// command's usage, and "-" reads standard input wherever a file is read (once
// per run: diff takes at most one "-").
//
// A file may hold an escrow's whole lifecycle (setup, fund, release, refund,
// resolve): every command reads all its phases, and timeline, analyze, diff
// and html take --phase PHASE to show one of them (its events keep the
// file's seq numbers; offsets count from the phase's start). stats counts
// failures by phase.
//
// Exit status: 0 clean, 1 anomalies, a failure, a divergence or an invalid
// file found, 2 usage or input errors. Errors are printed once, by run, never
// by cobra. Flag parsing lives here; all logic is in package analysis.
//
// Input is untrusted: files and standard input above analysis.MaxInputBytes
// are refused, text from files and servers reaches the terminal with its
// control characters escaped, and --jaeger never shows the URL's password and
// follows redirects on its host only.
package main
