package escrow

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
)

// MaxIDLen bounds escrow and participant IDs, so that escrow_<id>.json and
// wallet file names stay short and portable.
const MaxIDLen = 64

// IDRule is the rule for IDs, as said in errors and documentation.
const IDRule = "^[A-Za-z0-9_-]{1,64}$"

// ErrInvalidID: an ID that does not match IDRule.
var ErrInvalidID = errors.New("invalid id")

// ValidID reports whether id matches IDRule: the IDs that are safe in a file
// name, a log line and a trace attribute without escaping.
func ValidID(id string) bool {
	if len(id) == 0 || len(id) > MaxIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		if !idByte(id[i]) {
			return false
		}
	}
	return true
}

// CheckID says why id breaks IDRule, or nil. The message names what is wrong
// (empty, too long, a character that is not allowed) and quotes the ID safely.
func CheckID(id string) error {
	switch {
	case id == "":
		return fmt.Errorf("%w: must not be empty", ErrInvalidID)
	case len(id) > MaxIDLen:
		return fmt.Errorf("%w: is %d bytes long, at most %d allowed", ErrInvalidID, len(id), MaxIDLen)
	}
	for i := 0; i < len(id); i++ {
		if !idByte(id[i]) {
			return fmt.Errorf("%w: %.80q may contain only letters A-Z a-z, digits, '_' and '-'", ErrInvalidID, id)
		}
	}
	return nil
}

func idByte(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' || c == '-'
}

// FileName is the name of the escrow's trace file, escrow_<id>.json. An ID
// that breaks IDRule is an error, so that it never reaches a path.
func FileName(escrowID string) (string, error) {
	if !ValidID(escrowID) {
		return "", fmt.Errorf("escrow id %.80q: not filename-safe (want %s)", escrowID, IDRule)
	}
	return "escrow_" + escrowID + ".json", nil
}

// WalletName is the wallet file name of a role in an escrow.
func WalletName(escrowID string, role Role) string {
	return "escrow_" + escrowID + "_" + string(role)
}

// TraceIDFor is the trace ID (32 lowercase hex characters) of the escrow with
// this ID: a UUID gives its own 16 bytes, a 32-hex ID is itself in lower case,
// and any other valid escrow ID gives the first 16 bytes of its SHA-256. An
// invalid ID, or one that would give the all-zero (invalid) trace ID, is an error.
func TraceIDFor(escrowID string) (string, error) {
	if !ValidID(escrowID) {
		return "", fmt.Errorf("trace id for escrow %.80q: not a valid escrow id", escrowID)
	}
	var id string
	switch {
	case isUUID(escrowID):
		id = strings.ToLower(strings.ReplaceAll(escrowID, "-", ""))
	case len(escrowID) == 32 && isHex(escrowID):
		id = strings.ToLower(escrowID)
	default:
		sum := sha256.Sum256([]byte(escrowID))
		id = hex.EncodeToString(sum[:16])
	}
	if id == strings.Repeat("0", 32) {
		return "", fmt.Errorf("trace id for escrow %q: the all-zero trace id is invalid", escrowID)
	}
	return id, nil
}

// HashAddress is how a wallet address appears in a trace: the first 16
// lowercase hex characters of its SHA-256, enough to compare, never the address.
func HashAddress(addr string) string { return hash16(addr) }

// HashTxID is how a transaction hash appears in a trace (tx_hash_hash): the
// first 16 lowercase hex characters of its SHA-256.
func HashTxID(txHash string) string { return hash16(txHash) }

func hash16(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:8])
}

// isUUID reports whether s has the 8-4-4-4-12 hex form of a UUID.
func isUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch i {
		case 8, 13, 18, 23:
			if s[i] != '-' {
				return false
			}
		default:
			if !isHexByte(s[i]) {
				return false
			}
		}
	}
	return true
}

func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isHexByte(s[i]) {
			return false
		}
	}
	return true
}

func isHexByte(c byte) bool {
	return c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
}
