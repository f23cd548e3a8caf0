package multisig

import (
	"fmt"
	"regexp"
)

// Escrow is one marketplace escrow whose 2-of-3 wallet setup the coordinator runs.
type Escrow struct {
	// ID names the escrow everywhere: wallet file names, logs, and the trace
	// (the escrow's trace ID is derived from it). It matches [A-Za-z0-9_-]{1,64}.
	ID       string
	BuyerID  string
	VendorID string
	// Amount is in atomic units (piconero).
	Amount uint64
}

// Result is what a successful setup produced.
type Result struct {
	// Address is the 2-of-3 multisig address, the same on all three wallets.
	Address string
	// Wallets names each role's wallet file.
	Wallets map[Role]string
}

var idPattern = regexp.MustCompile(`^[A-Za-z0-9_-]{1,64}$`)

// Validate checks what the coordinator relies on: an ID that is safe in a
// wallet file name.
func (e Escrow) Validate() error {
	if !idPattern.MatchString(e.ID) {
		return fmt.Errorf("%w: escrow id %q must match [A-Za-z0-9_-]{1,64}", ErrInvalidEscrow, e.ID)
	}
	return nil
}

// WalletName is the wallet file name of a role in an escrow.
func WalletName(escrowID string, role Role) string {
	return "escrow_" + escrowID + "_" + string(role)
}
