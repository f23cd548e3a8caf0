package escrowtrace

import (
	"encoding/json"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// The Go types of the v1 file. Every field is written by the one encoder
// (encode.go) and read by the one decoder (decode.go); TestEveryFieldIsWrittenAndRead
// fails when a field is added here and not there.

// File is one escrow_<id>.json. Unknown top-level fields are kept in Extra so
// that a reader of a newer v1 file loses nothing.
type File struct {
	Schema     string     `json:"schema"`
	EscrowID   string     `json:"escrow_id"`
	TraceID    string     `json:"trace_id"`
	Service    string     `json:"service,omitempty"`
	StartedAt  time.Time  `json:"started_at"`
	EndedAt    *time.Time `json:"ended_at,omitempty"`
	DurationMS *float64   `json:"duration_ms,omitempty"`
	// Outcome, Error, EndedAt and DurationMS are the latest phase's.
	Outcome string     `json:"outcome"`
	Error   *FileError `json:"error"`
	// Phases lists the lifecycle phases in the order they ran; empty for a
	// file of the setup alone (the seed's files, and ours until a later phase ran).
	Phases []PhaseRecord   `json:"phases,omitempty"`
	Events []Event         `json:"events"`
	OTLP   json.RawMessage `json:"otlp,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// FileError is the file's top-level error: why the escrow failed.
type FileError struct {
	Message   string `json:"message"`
	Role      string `json:"role,omitempty"`
	Round     int    `json:"round,omitempty"`
	Operation string `json:"operation,omitempty"`
	// Kind names the failure (the ERROR_FINAL's error.kind); additive.
	Kind escrow.Kind `json:"kind,omitempty"`
}

// PhaseRecord is one lifecycle phase of the escrow, an entry of the file's
// phases: a root span of the escrow's trace.
type PhaseRecord struct {
	Name       escrow.Phase `json:"name"`
	Outcome    string       `json:"outcome"`
	StartedAt  time.Time    `json:"started_at"`
	EndedAt    *time.Time   `json:"ended_at,omitempty"`
	DurationMS *float64     `json:"duration_ms,omitempty"`
	Error      *FileError   `json:"error,omitempty"`
}

// Event is one entry of the flat timeline. Unknown fields are kept in Extra.
type Event struct {
	Seq        int           `json:"seq"`
	Type       string        `json:"type"`
	Time       time.Time     `json:"time"`
	OffsetMS   float64       `json:"offset_ms"`
	Role       string        `json:"role,omitempty"`
	Round      int           `json:"round,omitempty"`
	Method     string        `json:"method,omitempty"`
	Endpoint   string        `json:"endpoint,omitempty"`
	SpanID     string        `json:"span_id,omitempty"`
	DurationMS *float64      `json:"duration_ms,omitempty"`
	Error      *EventError   `json:"error,omitempty"`
	Context    *ErrorContext `json:"context,omitempty"`
	Snapshot   *Snapshot     `json:"snapshot,omitempty"`
	// Phase is the lifecycle phase the event belongs to. Readers fill it in
	// (setup when the file names none); the encoder writes it for the other
	// phases only, since the contract reads an event without it as setup.
	Phase escrow.Phase `json:"phase,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// EventError is the error of an RPC_CALL_ERROR or ERROR_FINAL event.
type EventError struct {
	Code    *int   `json:"code,omitempty"`
	Message string `json:"message"`
	// Kind names the failure (escrow.Kind); additive, absent in older files.
	Kind escrow.Kind `json:"kind,omitempty"`
}

// ErrorContext is the context of an ERROR_FINAL event: round, operation,
// wallet and escrow in the setup; phase, operation, role, wallet and escrow
// in a later phase.
type ErrorContext struct {
	Round     int          `json:"round,omitempty"`
	Operation string       `json:"operation,omitempty"`
	WalletID  string       `json:"wallet_id,omitempty"`
	EscrowID  string       `json:"escrow_id,omitempty"`
	Phase     escrow.Phase `json:"phase,omitempty"`
	Role      string       `json:"role,omitempty"`
}

// Snapshot is the state of the wallet a role's RPC server had open at a snapshot point.
type Snapshot struct {
	WalletID        string  `json:"wallet_id,omitempty"`
	IsMultisig      bool    `json:"is_multisig"`
	Ready           *bool   `json:"ready,omitempty"`
	Threshold       *int    `json:"threshold,omitempty"`
	Total           *int    `json:"total,omitempty"`
	Balance         *uint64 `json:"balance,omitempty"`
	UnlockedBalance *uint64 `json:"unlocked_balance,omitempty"`
	AddressHash     string  `json:"address_hash,omitempty"`
	WalletFileMode  string  `json:"wallet_file_mode,omitempty"`
	// MultisigImportNeeded and Height are read by payout snapshots.
	MultisigImportNeeded *bool   `json:"multisig_import_needed,omitempty"`
	Height               *uint64 `json:"height,omitempty"`
	// Error says why a snapshot is partial (a wallet call failed while reading it).
	Error string `json:"error,omitempty"`
}
