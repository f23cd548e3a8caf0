package multisig

import (
	"context"
	"errors"
	"fmt"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Errors of the setup itself (the wallet server's own errors are walletrpc's
// sentinels, wrapped in a StepError).
var (
	// ErrInvalidEscrow: the escrow can't be set up as given.
	ErrInvalidEscrow = errors.New("invalid escrow")
	// ErrUnexpectedState: a step answered success but is_multisig shows the
	// wallet did not reach the state the step should have produced.
	ErrUnexpectedState = errors.New("wallet in unexpected multisig state")
	// ErrAddressMismatch: the three wallets ended with different addresses.
	ErrAddressMismatch = errors.New("multisig addresses differ between participants")
	// ErrBadKexMessage: a participant produced a message the coordinator won't send on
	// (empty, duplicate of another's, or of the wrong kind).
	ErrBadKexMessage = errors.New("bad multisig key exchange message")
)

// StepError is a failed step of an escrow, with where it happened and what
// kind of failure it was. It wraps the cause: errors.Is(err,
// walletrpc.ErrAlreadyMultisig) etc. work through it.
type StepError struct {
	EscrowID string
	// Phase is the lifecycle phase the step belongs to (escrow.PhaseSetup
	// for every step of a setup).
	Phase     escrow.Phase
	Role      escrow.Role  // "" when the step was not a role's (e.g. leasing servers)
	Round     escrow.Round // 0 outside the rounds (wallet creation, leasing)
	Operation string       // the wallet RPC method or coordinator step, e.g. "make_multisig", "lease"
	WalletID  string
	// Kind names the failure in a few stable words (see KindOf): what the
	// store, the spans and the analyzer switch on instead of the message.
	Kind escrow.Kind
	Err  error
}

func (e *StepError) Error() string {
	s := "escrow " + e.EscrowID
	if e.Role != "" {
		s += ": " + string(e.Role)
	}
	if e.Round != 0 {
		s += ": " + e.Round.String()
	}
	if e.Operation != "" {
		s += ": " + e.Operation
	}
	return fmt.Sprintf("%s: %v", s, e.Err)
}

func (e *StepError) Unwrap() error { return e.Err }

// stepError is a StepError of the setup whose Kind follows from err.
func stepError(escrowID string, role escrow.Role, r escrow.Round, op, wallet string, err error) *StepError {
	return &StepError{EscrowID: escrowID, Phase: escrow.PhaseSetup, Role: role, Round: r,
		Operation: op, WalletID: wallet, Kind: KindOf(err), Err: err}
}

// KindOf names the kind of a failure of the coordinator: the Kind of a
// StepError in err's chain, the coordinator's own kinds for its checks, and
// walletrpc.KindOf for what a wallet call answered; escrow.KindOther when
// none applies. A nil err has no kind ("").
func KindOf(err error) escrow.Kind {
	var se *StepError
	switch {
	case err == nil:
		return ""
	case errors.As(err, &se) && se.Kind != "":
		return se.Kind
	case errors.Is(err, ErrUnexpectedState):
		return escrow.KindUnexpectedState
	case errors.Is(err, ErrAddressMismatch):
		return escrow.KindAddressMismatch
	case errors.Is(err, ErrBadKexMessage):
		return escrow.KindBadKexMessage
	case errors.Is(err, ErrInvalidEscrow), errors.Is(err, ErrInvalidPayout):
		return escrow.KindInvalidEscrow
	case errors.Is(err, ErrBalanceMismatch):
		return escrow.KindBalanceMismatch
	case errors.Is(err, ErrNotFunded):
		return escrow.KindNotEnoughMoney
	}
	var pe *PayoutError
	if errors.As(err, &pe) && pe.Operation == "lease" {
		return leaseKind(err)
	}
	if k, ok := walletrpc.KindOf(err); ok {
		return k
	}
	return escrow.KindOther
}

// leaseKind is the kind of a failure to lease servers: the escrow's caller
// gave up (cancelled), or no server could be had (a full queue, a closed
// pool, a deadline).
func leaseKind(err error) escrow.Kind {
	if errors.Is(err, context.Canceled) {
		return escrow.KindCanceled
	}
	return escrow.KindNoServer
}
