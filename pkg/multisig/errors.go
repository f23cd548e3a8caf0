package multisig

import (
	"errors"
	"fmt"
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

// StepError is a failed step of a setup, with where it happened. It wraps the
// cause: errors.Is(err, walletrpc.ErrAlreadyMultisig) etc. work through it.
type StepError struct {
	EscrowID  string
	Role      Role   // "" when the step was not a role's (e.g. leasing servers)
	Round     Round  // 0 outside the rounds (wallet creation, leasing)
	Operation string // the wallet RPC method or coordinator step, e.g. "make_multisig", "lease"
	WalletID  string
	Err       error
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
