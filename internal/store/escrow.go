package store

import (
	"errors"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
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
	Error string
	// Failure says where a failed escrow failed and what kind of failure it
	// was; zero when unknown (an interrupted escrow, or one stored by an
	// older escrowd).
	Failure Failure
	// Cause is the root cause of a failed escrow's failure, from the
	// analysis of its trace file once that file was final (an
	// analysis.Kind, e.g. "already_multisig_before_round1"); "" when
	// unknown or not analysed (tracing off).
	Cause      string
	CreatedAt  time.Time
	FinishedAt *time.Time
}

// Failure is where an escrow's failure happened: the fields of the
// coordinator's step error, kept so that lists and metrics need neither the
// message nor the trace file.
type Failure struct {
	Phase     escrow.Phase
	Role      escrow.Role
	Round     escrow.Round
	Operation string // the wallet RPC method or coordinator step, e.g. "make_multisig"
	Kind      escrow.Kind
}

// End is how an escrow ended, as Finish records it.
type End struct {
	Status  Status // ready or failed
	Address string // the multisig address of a ready escrow
	Error   string // why it failed
	Failure Failure
	Cause   string
}

// Errors callers tell apart with errors.Is.
var (
	ErrNotFound = errors.New("escrow not found")
	ErrExists   = errors.New("escrow already exists")
	// ErrFinal is returned when a change is asked of an escrow that is already ready or failed.
	ErrFinal = errors.New("escrow already finished")
)
