package escrowtrace

import (
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
)

// maxEscrowIDLen bounds escrow IDs so that escrow_<id>.json stays a short,
// portable file name.
const maxEscrowIDLen = 64

// ValidEscrowID reports whether id matches ^[A-Za-z0-9_-]{1,64}$: the IDs
// that are safe to put into a file name and into the file's escrow_id.
func ValidEscrowID(id string) bool {
	if len(id) == 0 || len(id) > maxEscrowIDLen {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// FileName is the name of the escrow's trace file, escrow_<id>.json. An id
// that is not filename-safe is an error, so that it never reaches a path.
func FileName(escrowID string) (string, error) {
	if !ValidEscrowID(escrowID) {
		return "", fmt.Errorf("escrow id %.80q: not filename-safe (want ^[A-Za-z0-9_-]{1,64}$)", escrowID)
	}
	return "escrow_" + escrowID + ".json", nil
}

// TraceIDFor is the trace ID (32 lowercase hex characters) of the escrow with
// this ID: a UUID gives its own 16 bytes, a 32-hex ID is itself in lower case,
// and any other valid escrow ID gives the first 16 bytes of its SHA-256. An
// invalid ID, or one that would give the all-zero (invalid) trace ID, is an error.
func TraceIDFor(escrowID string) (string, error) {
	if !ValidEscrowID(escrowID) {
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
func HashAddress(addr string) string {
	sum := sha256.Sum256([]byte(addr))
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

// isLowerHex reports whether s is n lowercase hex characters, the form of
// trace, span IDs and address hashes in the file.
func isLowerHex(s string, n int) bool {
	if len(s) != n {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}
