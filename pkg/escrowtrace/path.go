package escrowtrace

import (
	"fmt"
	"path/filepath"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Path is where the trace file of the escrow with this ID lives in dir:
// dir/escrow_<id>.json. An ID that breaks escrow.IDRule is an error, so that
// no caller builds a path from one (the exporter, the API and the CLI all
// find a trace file through this function).
func Path(dir, escrowID string) (string, error) {
	name, err := escrow.FileName(escrowID)
	if err != nil {
		return "", fmt.Errorf("trace file path: %w", err)
	}
	return filepath.Join(dir, name), nil
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

// isHex reports whether s is hex digits of either case.
func isHex(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}
