package trace

// Attribute and span names that escrowd's tracing writes beyond those of
// pkg/escrowtrace (the file format's conventions) and of the OpenTelemetry
// semantic conventions.
const (
	// AttrEscrowErrorKind is the failure's escrow.Kind, on a failed RPC span
	// and on the ERROR_FINAL event: the file exporter writes it as the event's
	// error.kind. error.type, next to it, follows the semantic conventions:
	// the JSON-RPC error code of a wallet's answer ("-28"), else the kind.
	AttrEscrowErrorKind = "escrow.error.kind"
	// AttrEscrowAddressHash is the hash (escrow.HashAddress) of a ready
	// escrow's multisig address, on its root span.
	AttrEscrowAddressHash = "escrow.address_hash"
	// SpanNamePhasePrefix starts the name of each stage span of a setup,
	// e.g. "escrow.round1".
	SpanNamePhasePrefix = "escrow."
)

// errorTypeOther is error.type when nothing more specific is known (the
// semantic conventions' fallback value).
const errorTypeOther = "_OTHER"
