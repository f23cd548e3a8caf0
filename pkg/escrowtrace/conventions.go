package escrowtrace

// Schema is the value of the file's "schema" field.
const Schema = "escrow-trace/v1"

// Event types of the v1 file. A reader keeps and shows types it does not know.
// The snapshot types are the names of the snapshot points (escrow.Point.Name),
// which pkg/escrow defines with their rounds, the payout points included; the
// setup's seven are spelled here too for switch statements, and a test holds
// them equal.
const (
	EventSnapshotPreRound1          = "SNAPSHOT_PRE_ROUND1"
	EventSnapshotPostMakeMultisig   = "SNAPSHOT_POST_MAKE_MULTISIG"
	EventSnapshotPreRound2          = "SNAPSHOT_PRE_ROUND2"
	EventSnapshotPostExportMultisig = "SNAPSHOT_POST_EXPORT_MULTISIG"
	EventSnapshotPreRound3          = "SNAPSHOT_PRE_ROUND3"
	EventSnapshotPostImportMultisig = "SNAPSHOT_POST_IMPORT_MULTISIG"
	EventSnapshotFinal              = "SNAPSHOT_FINAL"

	EventRPCCallStart = "RPC_CALL_START"
	EventRPCCallEnd   = "RPC_CALL_END"
	EventRPCCallError = "RPC_CALL_ERROR"
	EventErrorFinal   = "ERROR_FINAL"
)

// Outcomes of an escrow trace.
const (
	OutcomeSuccess    = "success"
	OutcomeFailed     = "failed"
	OutcomeIncomplete = "incomplete"
)

// Span conventions. escrowd's tracing writes these; the exporter and the
// analyzer read them. RPC client spans also carry the OpenTelemetry semantic
// convention attributes (rpc.system.name, rpc.method, server.address, ...).
const (
	// SpanNameEscrow is the name of an escrow's root span.
	SpanNameEscrow = "escrow.setup"

	// AttrEscrowID is on the root span and on every RPC span.
	AttrEscrowID = "escrow.id"
	// AttrEscrowRole is the role (buyer, vendor, arbiter) on RPC spans and snapshot events.
	AttrEscrowRole = "escrow.role"
	// AttrEscrowRound is the round (1..3) on RPC spans and snapshot events; absent outside rounds.
	AttrEscrowRound = "escrow.round"
	// AttrEscrowOutcome is set on the root span when it ends: success or failed.
	AttrEscrowOutcome = "escrow.outcome"
	// AttrEscrowOperation names the step that failed, on the ERROR_FINAL event.
	AttrEscrowOperation = "escrow.operation"
	// AttrEscrowPhase is the lifecycle phase (an escrow.Phase) on a phase's
	// root span, its RPC spans and its span events; absent means setup.
	AttrEscrowPhase = "escrow.phase"
	// AttrErrorKind is the failure's kind (an escrow.Kind) on RPC spans that
	// failed and on the ERROR_FINAL event; it becomes the file's error.kind.
	// error.type (AttrErrorType) carries the JSON-RPC error code instead.
	AttrErrorKind = "escrow.error.kind"
	// AttrEscrowMode is the coordinator's mode (leased, shared, global-lock) on the root span.
	AttrEscrowMode = "escrow.mode"
	// AttrWalletID is the wallet file name the escrow expects for a role.
	AttrWalletID = "wallet.id"

	// Snapshot fields, on SNAPSHOT_* span events.
	AttrSnapshotIsMultisig      = "wallet.is_multisig"
	AttrSnapshotReady           = "wallet.ready"
	AttrSnapshotThreshold       = "wallet.threshold"
	AttrSnapshotTotal           = "wallet.total"
	AttrSnapshotBalance         = "wallet.balance"
	AttrSnapshotUnlockedBalance = "wallet.unlocked_balance"
	AttrSnapshotAddressHash     = "wallet.address_hash"
	AttrSnapshotFileMode        = "wallet.file_mode"
	// AttrSnapshotImportNeeded is the wallet's multisig_import_needed (payout snapshots).
	AttrSnapshotImportNeeded = "wallet.multisig_import_needed"
	// AttrSnapshotHeight is the wallet's chain height.
	AttrSnapshotHeight = "wallet.height"
	// AttrSnapshotError is set when the snapshot could not be read completely.
	AttrSnapshotError = "wallet.snapshot_error"

	// AttrErrorMessage carries the failure's message on the ERROR_FINAL event.
	AttrErrorMessage = "error.message"

	// Semantic-convention keys (semconv v1.43) read back from RPC spans.
	AttrRPCMethod     = "rpc.method"
	AttrRPCStatusCode = "rpc.response.status_code"
	AttrServerAddress = "server.address"
	AttrServerPort    = "server.port"
	AttrErrorType     = "error.type"
)
