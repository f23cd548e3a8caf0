package multisig

import (
	"fmt"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Escrow is one marketplace escrow whose 2-of-3 wallet setup the coordinator runs.
type Escrow struct {
	// ID names the escrow everywhere: wallet file names, logs, and the trace
	// (the escrow's trace ID is derived from it). It follows escrow.IDRule.
	ID       string
	BuyerID  string
	VendorID string
	// Amount is in atomic units (piconero).
	Amount uint64
	// Phase is the lifecycle phase an Observer is told about (StartEscrow):
	// empty for the setup, which is all the coordinator runs; the payer
	// sets fund, release, refund or resolve.
	Phase escrow.Phase
}

// Result is what a successful setup produced.
type Result struct {
	// Address is the 2-of-3 multisig address, the same on all three wallets.
	Address string
	// Wallets names each role's wallet file.
	Wallets map[escrow.Role]string
}

// Validate checks what the coordinator relies on: an ID that is safe in a
// wallet file name.
func (e Escrow) Validate() error {
	if !escrow.ValidID(e.ID) {
		return fmt.Errorf("%w: escrow id %q must match %s", ErrInvalidEscrow, e.ID, escrow.IDRule)
	}
	if e.Phase != "" && e.Phase != escrow.PhaseSetup {
		return fmt.Errorf("%w: the coordinator runs the setup, not %q", ErrInvalidEscrow, e.Phase)
	}
	return nil
}
