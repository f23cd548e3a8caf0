package store

import (
	"errors"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Status is where an escrow is in its life.
type Status string

// The statuses, in the order an escrow passes them. Pending and running are
// the setup in flight; it ends ready (the multisig address is known, waiting
// for funds) or failed. A ready escrow becomes funded once its wallet's
// unlocked balance covers the amount; a payout moves it to paying_out, and
// it ends released, refunded or resolved. A payout that fails before
// anything was sent leaves it funded (the money is still in its wallet).
const (
	StatusPending   Status = "pending"
	StatusRunning   Status = "running"
	StatusReady     Status = "ready"
	StatusFunded    Status = "funded"
	StatusPayingOut Status = "paying_out"
	StatusReleased  Status = "released"
	StatusRefunded  Status = "refunded"
	StatusResolved  Status = "resolved"
	StatusFailed    Status = "failed"
)

// Statuses lists every status, in lifecycle order.
var Statuses = [...]Status{StatusPending, StatusRunning, StatusReady, StatusFunded, StatusPayingOut,
	StatusReleased, StatusRefunded, StatusResolved, StatusFailed}

// Final reports whether the status is one an escrow never leaves: failed,
// or paid out.
func (s Status) Final() bool { return s == StatusFailed || s.Paid() }

// Paid reports whether the escrow's funds were paid out.
func (s Status) Paid() bool {
	return s == StatusReleased || s == StatusRefunded || s == StatusResolved
}

// SetupEnded reports whether the escrow's setup is over (every status but
// pending and running): its trace's setup phase is final.
func (s Status) SetupEnded() bool { return s.Valid() && s != StatusPending && s != StatusRunning }

// Valid reports whether s is one of the statuses.
func (s Status) Valid() bool {
	for _, k := range Statuses {
		if k == s {
			return true
		}
	}
	return false
}

// PaidStatus is the status a payout of phase ends an escrow in.
func PaidStatus(phase escrow.Phase) (Status, bool) {
	switch phase {
	case escrow.PhaseRelease:
		return StatusReleased, true
	case escrow.PhaseRefund:
		return StatusRefunded, true
	case escrow.PhaseResolve:
		return StatusResolved, true
	}
	return "", false
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
	Cause     string
	CreatedAt time.Time
	// FinishedAt is when the setup ended.
	FinishedAt *time.Time

	// BuyerAddress and VendorAddress are where a refund and a release go;
	// each is fixed once set (SetAddresses).
	BuyerAddress, VendorAddress string
	// Wallets names each role's wallet file, as the setup named them; nil
	// when the setup did not say (the default names).
	Wallets map[escrow.Role]string
	// Balance and UnlockedBalance are what the escrow's wallet held when it
	// was last seen funded, in atomic units.
	Balance, UnlockedBalance uint64
	// FundedAt is when the escrow was first seen funded.
	FundedAt *time.Time
	// LastError is the last failed payout attempt; zero when none failed
	// (or the escrow was paid since).
	LastError PayoutFailure
	// Payout is the escrow's payout, claimed or done; nil when none.
	Payout *Payout
}

// Address is the payee address of role ("" for the arbiter, who is never paid).
func (e Escrow) Address(role escrow.Role) string {
	switch role {
	case escrow.Buyer:
		return e.BuyerAddress
	case escrow.Vendor:
		return e.VendorAddress
	}
	return ""
}

// PayoutFailure is where a payout attempt failed (the payer's PayoutError):
// the phase, the step of escrow.PayoutSteps, the role and the message.
type PayoutFailure struct {
	Phase   escrow.Phase
	Step    string
	Role    escrow.Role
	Message string
	// Kind is the failure's kind (the wallet's error named by walletrpc,
	// e.g. "not_enough_money"); Cause its root cause from the analysis of
	// the escrow's trace once the failed phase was written (e.g.
	// "import_before_refresh"); "" when unknown or tracing is off.
	Kind  escrow.Kind
	Cause string
}

// Stage is a payout's write-ahead stage (multisig.PayoutStage's values):
// "" claimed, nothing built yet; then unsigned, signed, submitted.
type Stage string

// The write-ahead stages, in order.
const (
	StageClaimed   Stage = ""
	StageUnsigned  Stage = "unsigned"
	StageSigned    Stage = "signed"
	StageSubmitted Stage = "submitted"
)

// Valid reports whether s is one of the stages.
func (s Stage) Valid() bool {
	return s == StageClaimed || s == StageUnsigned || s == StageSigned || s == StageSubmitted
}

// Sent reports whether a transaction may have reached the daemon at this
// stage: from signed on, the payout can only be finished, never started again.
func (s Stage) Sent() bool { return s == StageSigned || s == StageSubmitted }

// Payout is an escrow's one payout, as the store keeps it. Its transaction
// set is not here: Record holds it, for the payer only.
type Payout struct {
	Phase  escrow.Phase
	Winner escrow.Role // resolve's winner; "" otherwise
	ToRole escrow.Role // the payee
	// PayeeAddress is where it pays, fixed when the payout was claimed.
	PayeeAddress string
	Stage        Stage
	TxHashes     []string
	Amount, Fee  uint64
	Height       uint64 // the daemon's height when submitted
	StartedAt    time.Time
	UpdatedAt    time.Time
	FinishedAt   *time.Time // when the escrow was recorded paid
}

// TxHash is the payout's (first) transaction hash; "" before it is signed.
func (p Payout) TxHash() string {
	if len(p.TxHashes) == 0 {
		return ""
	}
	return p.TxHashes[0]
}

// Record is a payout's write-ahead record (multisig.PayoutRecord): TxSet is
// transaction data that must be kept private: stored, never logged.
type Record struct {
	Stage       Stage
	TxSet       string
	TxHashes    []string
	Amount, Fee uint64
	Height      uint64
}

// Claim asks for an escrow's payout.
type Claim struct {
	Phase        escrow.Phase
	Winner       escrow.Role
	ToRole       escrow.Role
	PayeeAddress string
}

// Paid is a payout that reached the daemon, as FinishPayout records it.
type Paid struct {
	TxHashes    []string
	Amount, Fee uint64
	Height      uint64
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

// End is how an escrow's setup ended, as Finish records it.
type End struct {
	Status  Status // ready or failed
	Address string // the multisig address of a ready escrow
	// Wallets are a ready escrow's wallet files by role (multisig.Result.Wallets).
	Wallets map[escrow.Role]string
	Error   string // why it failed
	Failure Failure
	Cause   string
}

// Errors callers tell apart with errors.Is.
var (
	ErrNotFound = errors.New("escrow not found")
	ErrExists   = errors.New("escrow already exists")
	// ErrFinal is returned when a setup's end is recorded for an escrow
	// whose setup has already ended.
	ErrFinal = errors.New("escrow already finished")
	// ErrState: the escrow is not in the status the change needs (e.g.
	// funding an escrow that is not ready). The wrapping message says which.
	ErrState = errors.New("escrow is not in the status this needs")
	// ErrNotFunded: a payout was claimed for an escrow that is not funded.
	ErrNotFunded = errors.New("escrow is not funded")
	// ErrPaying: a payout was claimed for an escrow that is paying out or paid.
	ErrPaying = errors.New("escrow is already paying out or paid")
	// ErrAddressFixed: an address that is already set was asked to change.
	ErrAddressFixed = errors.New("address is already set and cannot change")
	// ErrSent: a payout whose transaction may have been sent cannot go
	// back to funded, nor be claimed again; it can only be finished.
	ErrSent = errors.New("payout transaction may have been sent")
)
