// Package escrowtrace is the escrow trace format, version 1: the Go types of
// the escrow_<id>.json contract (shared/escrow-trace, lifecycle additions
// included), its one codec, the span conventions that escrowd's tracing
// follows (attribute keys and span event names), and the one conversion from
// a trace's spans to the file's flat event timeline. The domain it speaks of
// (roles, rounds, phases, snapshot points, failure kinds, the ID rule) is
// pkg/escrow's.
//
// Where things are:
//   - format.go: File, PhaseRecord, Event, Snapshot and the rest, the file as Go values.
//   - encode.go: the one encoder. AppendFile and Encode write a file as the
//     exporter writes it, byte for byte what json.MarshalIndent of the types
//     would write; File and Event's MarshalJSON use it too (compact). Its
//     JSON primitives (indentation, strings, numbers, raw values) are in
//     jsonwriter.go.
//   - decode.go: Decode, the one reader. Files as the exporter writes them take
//     a one-pass path (decode_fast.go, about 10x faster: BENCHMARKS.md (3), (6));
//     anything else takes the general path, which reads every valid file and
//     names the fault of an invalid one. Unknown fields and event types are
//     kept (Extra, Event.Type) and written back.
//   - derive.go: what a reader fills in when an optional field is absent, as the
//     contract defines it. Decode and Build fill the decoded Event, so that
//     callers (the analyzer) need nothing: a snapshot event without a round gets
//     its point's round (escrow.Point.Round), and an event without a phase gets
//     escrow.PhaseSetup. A file without round on its snapshots decodes to exactly
//     the events of the same file with them. The encoder writes an event's phase
//     only outside the setup, so files of the setup alone are written as before.
//   - build.go: Build, spans to file. Each root span with an escrow.id is a
//     phase: one root gives a setup-only file (no phases list); more, or any
//     escrow.phase, give the phases list, each event's phase and a top level
//     that is the latest phase's. escrow.error.kind becomes error.kind.
//   - merge.go: Merge, one phase added to the file of the phases so far (the
//     exporter's rewrite when a later phase ends); Merge of the setup's file
//     and a phase built alone is Build of both phases' spans.
//   - validate.go: Validate, the v1 JSON schema (a copy of the contract's) and
//     the additive fields the schema leaves open (error.kind, the ERROR_FINAL
//     context's phase and role).
//   - path.go: Path, where an escrow's file lives in a directory; the exporter,
//     the API and the CLI find files through it.
//   - otlp.go: the optional lossless "otlp" section (EncodeOTLP, ParseOTLP).
//   - escrowtracetest: checks that tests make on trace files.
//
// Writers (the JSON-file exporter) and readers (the analyzer, which also
// rebuilds timelines from OTLP/JSON and Jaeger) share this package, so that
// one trace read from either sink gives the same events.
package escrowtrace
