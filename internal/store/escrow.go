package store

import (
	"errors"
	"time"
)

// Status is where an escrow is in its life.
type Status string

// The four statuses. Pending and running are in flight; ready and failed are final.
const (
	StatusPending Status = "pending"
	StatusRunning Status = "running"
	StatusReady   Status = "ready"
	StatusFailed  Status = "failed"
)

// Final reports whether the status is one an escrow never leaves.
func (s Status) Final() bool { return s == StatusReady || s == StatusFailed }

// Valid reports whether s is one of the four statuses.
func (s Status) Valid() bool {
	switch s {
	case StatusPending, StatusRunning, StatusReady, StatusFailed:
		return true
	}
	return false
}

// ReasonInterrupted is the error of an escrow that was in flight when the
// process stopped without finishing it.
const ReasonInterrupted = "interrupted"

// Escrow is one stored escrow.
type Escrow struct {
	ID       string
	TraceID  string
	BuyerID  string
	VendorID string
	// Amount is in atomic units (piconero).
	Amount uint64
	Status Status
	// MultisigAddress is set when the escrow is ready.
	MultisigAddress string
	// Error says why the escrow failed.
	Error      string
	CreatedAt  time.Time
	FinishedAt *time.Time
}

// Errors callers tell apart with errors.Is.
var (
	ErrNotFound = errors.New("escrow not found")
	ErrExists   = errors.New("escrow already exists")
	// ErrFinal is returned when a change is asked of an escrow that is already ready or failed.
	ErrFinal = errors.New("escrow already finished")
)
