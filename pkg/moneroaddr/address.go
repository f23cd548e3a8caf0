package moneroaddr

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"

	"golang.org/x/crypto/sha3"
)

// Sizes of an address's parts, in bytes.
const (
	KeySize       = 32 // a public key (spend or view)
	PaymentIDSize = 8  // an integrated address's payment ID
	checksumSize  = 4
	// Every network's prefixes fit in one varint byte, so an address is
	// 1+32+32+4 = 69 bytes (95 characters), or 77 (106) when integrated.
	standardChars   = 95
	integratedChars = 106
)

// Errors; every error of Parse and Validate wraps one of them.
var (
	// ErrInvalid: the text is not a Monero address (characters, length,
	// prefix or checksum).
	ErrInvalid = errors.New("not a valid Monero address")
	// ErrWrongNetwork: a valid address of another network.
	ErrWrongNetwork = errors.New("wrong Monero network")
)

// Address is a parsed Monero address.
type Address struct {
	Network Network
	Kind    Kind
	// SpendKey and ViewKey are the public spend and view keys.
	SpendKey, ViewKey [KeySize]byte
	// PaymentID is set for Integrated addresses only.
	PaymentID [PaymentIDSize]byte
}

// Parse reads a Monero address of any network and kind. Its errors wrap
// ErrInvalid and say what is wrong; they never quote the address.
func Parse(s string) (Address, error) {
	if s == "" {
		return Address{}, fmt.Errorf("%w: empty", ErrInvalid)
	}
	if err := checkChars(s); err != nil {
		return Address{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	if len(s) != standardChars && len(s) != integratedChars {
		return Address{}, fmt.Errorf("%w: %d characters, a Monero address has %d (%d when integrated)", ErrInvalid, len(s), standardChars, integratedChars)
	}
	data, err := decode(s)
	if err != nil {
		return Address{}, fmt.Errorf("%w: %w", ErrInvalid, err)
	}
	prefix, n := binary.Uvarint(data)
	if n <= 0 {
		return Address{}, fmt.Errorf("%w: no network prefix", ErrInvalid)
	}
	own, ok := prefixOwner[prefix]
	if !ok {
		return Address{}, fmt.Errorf("%w: prefix %d is no network's", ErrInvalid, prefix)
	}
	want := n + 2*KeySize + checksumSize
	if own.kind == Integrated {
		want += PaymentIDSize
	}
	if len(data) != want {
		return Address{}, fmt.Errorf("%w: %d bytes for a %s %s, want %d", ErrInvalid, len(data), own.network, own.kind.Noun(), want)
	}
	body, sum := data[:len(data)-checksumSize], data[len(data)-checksumSize:]
	if !bytes.Equal(checksum(body), sum) {
		return Address{}, fmt.Errorf("%w: checksum does not match (a mistyped or truncated address)", ErrInvalid)
	}
	a := Address{Network: own.network, Kind: own.kind}
	rest := body[n:]
	copy(a.SpendKey[:], rest[:KeySize])
	copy(a.ViewKey[:], rest[KeySize:2*KeySize])
	if a.Kind == Integrated {
		copy(a.PaymentID[:], rest[2*KeySize:])
	}
	return a, nil
}

// Validate checks that s is an address of network n (any kind). An address
// of another network is refused with an error wrapping ErrWrongNetwork that
// names the network it belongs to.
func Validate(s string, n Network) error {
	a, err := Parse(s)
	if err != nil {
		return err
	}
	if a.Network != n {
		return fmt.Errorf("%w: a %s %s, want a %s address", ErrWrongNetwork, a.Network, a.Kind.Noun(), n)
	}
	return nil
}

// String is the address's text (Monero's base58).
func (a Address) String() string {
	p := Prefix(a.Network, a.Kind)
	if p == 0 {
		return ""
	}
	data := binary.AppendUvarint(nil, p)
	data = append(data, a.SpendKey[:]...)
	data = append(data, a.ViewKey[:]...)
	if a.Kind == Integrated {
		data = append(data, a.PaymentID[:]...)
	}
	return encode(append(data, checksum(data)...))
}

// checksum is the first four bytes of the data's Keccak-256 (the original
// Keccak padding, not SHA3-256's).
func checksum(data []byte) []byte {
	h := sha3.NewLegacyKeccak256()
	h.Write(data)
	return h.Sum(nil)[:checksumSize]
}
