package escrows

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// MaxAmount is the largest amount accepted, in atomic units: Monero's
// MONEY_SUPPLY constant, which is the uint64 maximum.
const MaxAmount uint64 = math.MaxUint64

// ValidationError says which field of a request is wrong and why. Nothing has
// been stored or started when Submit returns one.
type ValidationError struct {
	Field  string
	Reason string
}

func (e *ValidationError) Error() string { return e.Field + ": " + e.Reason }

// Request asks for a new escrow.
type Request struct {
	BuyerID  string
	VendorID string
	// Amount is in atomic units (piconero), 1..MaxAmount.
	Amount uint64
	// BuyerAddress and VendorAddress are where a refund and a release go
	// (JSON buyer_address, vendor_address). Either may be left empty and
	// set once later (Service.SetAddresses); both are needed before a payout.
	BuyerAddress, VendorAddress string
}

// Validate checks a request before anything is stored.
func (r Request) Validate() error {
	if err := validID("buyer_id", r.BuyerID); err != nil {
		return err
	}
	if err := validID("vendor_id", r.VendorID); err != nil {
		return err
	}
	// A 2-of-3 escrow where one party holds two of the keys is no escrow:
	// that party alone could release or refund.
	if r.BuyerID == r.VendorID {
		return &ValidationError{Field: "vendor_id", Reason: fmt.Sprintf("must differ from buyer_id (both are %q): the buyer and the vendor each hold their own key", r.VendorID)}
	}
	if r.Amount == 0 {
		return &ValidationError{Field: "amount", Reason: "must be at least 1 atomic unit"}
	}
	return CheckAddressPair(r.BuyerAddress, r.VendorAddress)
}

// MaxAddressLen bounds an address's length: Monero's longest (an integrated
// address) is 106 characters.
const MaxAddressLen = 128

const base58 = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// checkAddressForm checks what every Monero address is, on any network:
// base58 text of a bounded length. The network's own rules (prefix,
// checksum) are Config.ValidateAddress's.
func checkAddressForm(field, addr string) error {
	switch {
	case addr == "":
		return &ValidationError{Field: field, Reason: "must not be empty"}
	case len(addr) > MaxAddressLen:
		return &ValidationError{Field: field, Reason: fmt.Sprintf("is %d characters long, at most %d allowed", len(addr), MaxAddressLen)}
	}
	for i := 0; i < len(addr); i++ {
		if !strings.ContainsRune(base58, rune(addr[i])) {
			return &ValidationError{Field: field, Reason: "is not a Monero address: only base58 characters (1-9, A-Z, a-z but 0, O, I, l)"}
		}
	}
	return nil
}

// CheckAddressPair checks the form of the addresses given (an empty one is
// not given) and that the buyer's and the vendor's differ: a payout must
// go to the party it is for. The network's rules are the Service's
// (Config.ValidateAddress).
func CheckAddressPair(buyer, vendor string) error {
	if buyer != "" {
		if err := checkAddressForm("buyer_address", buyer); err != nil {
			return err
		}
	}
	if vendor != "" {
		if err := checkAddressForm("vendor_address", vendor); err != nil {
			return err
		}
	}
	if buyer != "" && buyer == vendor {
		return &ValidationError{Field: "vendor_address", Reason: "must differ from buyer_address: a refund and a release go to different parties"}
	}
	return nil
}

// validID accepts the IDs of escrow.IDRule: safe in logs, file names and
// trace attributes without escaping. The reason says what is wrong.
func validID(field, id string) error {
	switch {
	case escrow.ValidID(id):
		return nil
	case id == "":
		return &ValidationError{Field: field, Reason: "must not be empty"}
	case len(id) > escrow.MaxIDLen:
		return &ValidationError{Field: field, Reason: fmt.Sprintf("is %d bytes long, at most %d allowed", len(id), escrow.MaxIDLen)}
	}
	return &ValidationError{Field: field, Reason: "may contain only letters A-Z a-z, digits, '_' and '-'"}
}

// ParseAmount parses an amount from the text of a JSON number. Only a plain
// decimal integer is an amount: a sign, fraction or exponent is refused rather
// than rounded, because a rounded amount is a different escrow.
func ParseAmount(lit string) (uint64, error) {
	bad := func(reason string) error { return &ValidationError{Field: "amount", Reason: reason} }
	switch {
	case lit == "":
		return 0, bad("is missing")
	case lit[0] == '-':
		return 0, bad("must not be negative")
	case strings.ContainsAny(lit, ".eE"):
		return 0, bad("must be a whole number of atomic units, without fraction or exponent")
	}
	for i := 0; i < len(lit); i++ {
		if lit[i] < '0' || lit[i] > '9' {
			return 0, bad("must be a JSON number (an integer count of atomic units)")
		}
	}
	n, err := strconv.ParseUint(lit, 10, 64)
	if errors.Is(err, strconv.ErrRange) {
		return 0, bad(fmt.Sprintf("exceeds Monero's money supply (%d atomic units)", MaxAmount))
	}
	if err != nil {
		return 0, bad("must be an integer count of atomic units")
	}
	if n == 0 {
		return 0, bad("must be at least 1 atomic unit")
	}
	return n, nil
}
