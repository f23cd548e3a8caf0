package escrowtrace

import (
	"encoding/json"
	"time"
)

// File is one escrow_<id>.json. Unknown top-level fields are kept in Extra so
// that a reader of a newer v1 file loses nothing.
type File struct {
	Schema     string          `json:"schema"`
	EscrowID   string          `json:"escrow_id"`
	TraceID    string          `json:"trace_id"`
	Service    string          `json:"service,omitempty"`
	StartedAt  time.Time       `json:"started_at"`
	EndedAt    *time.Time      `json:"ended_at,omitempty"`
	DurationMS *float64        `json:"duration_ms,omitempty"`
	Outcome    string          `json:"outcome"`
	Error      *FileError      `json:"error"`
	Events     []Event         `json:"events"`
	OTLP       json.RawMessage `json:"otlp,omitempty"`

	Extra map[string]json.RawMessage `json:"-"`
}

// FileError is the file's top-level error: why the escrow failed.
type FileError struct {
	Message   string `json:"message"`
	Role      string `json:"role,omitempty"`
	Round     int    `json:"round,omitempty"`
	Operation string `json:"operation,omitempty"`
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

	Extra map[string]json.RawMessage `json:"-"`
}

// EventError is the error of an RPC_CALL_ERROR event.
type EventError struct {
	Code    *int   `json:"code,omitempty"`
	Message string `json:"message"`
}

// ErrorContext is the context of an ERROR_FINAL event.
type ErrorContext struct {
	Round     int    `json:"round,omitempty"`
	Operation string `json:"operation,omitempty"`
	WalletID  string `json:"wallet_id,omitempty"`
	EscrowID  string `json:"escrow_id,omitempty"`
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
	// Error says why a snapshot is partial (a wallet call failed while reading it).
	Error string `json:"error,omitempty"`
}
