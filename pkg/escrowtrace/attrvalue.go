package escrowtrace

import (
	"fmt"
	"math"
	"strconv"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Attribute values arrive typed by whoever recorded them (int64 from the SDK,
// a string from a sloppy caller, a float64 from a generic JSON reader), so the
// readers below accept every honest spelling of the value they want and
// report "absent" for anything else.

func attrString(attrs map[string]any, key string) (string, bool) {
	s, ok := attrs[key].(string)
	return s, ok
}

func attrBool(attrs map[string]any, key string) (bool, bool) {
	switch v := attrs[key].(type) {
	case bool:
		return v, true
	case string:
		b, err := strconv.ParseBool(v)
		return b, err == nil
	}
	return false, false
}

func attrInt(attrs map[string]any, key string) (int64, bool) {
	return anyInt(attrs[key])
}

func anyInt(v any) (int64, bool) {
	switch v := v.(type) {
	case int64:
		return v, true
	case int:
		return int64(v), true
	case float64:
		if v == math.Trunc(v) && v >= math.MinInt64 && v < math.MaxInt64 {
			return int64(v), true
		}
	case string:
		n, err := strconv.ParseInt(v, 10, 64)
		return n, err == nil
	}
	return 0, false
}

// attrUint reads a non-negative integer (balances in piconero).
func attrUint(attrs map[string]any, key string) (uint64, bool) {
	if s, ok := attrs[key].(string); ok {
		n, err := strconv.ParseUint(s, 10, 64)
		return n, err == nil
	}
	n, ok := attrInt(attrs, key)
	if !ok || n < 0 {
		return 0, false
	}
	return uint64(n), true
}

// attrRole reads escrow.role, keeping only the three roles the contract knows.
func attrRole(attrs map[string]any) string {
	r, _ := attrString(attrs, AttrEscrowRole)
	if !escrow.Role(r).Valid() {
		return ""
	}
	return r
}

// attrRound reads escrow.round, keeping only rounds 1..3.
func attrRound(attrs map[string]any) int {
	n, ok := attrInt(attrs, AttrEscrowRound)
	if !ok || !escrow.Round(n).Valid() {
		return 0
	}
	return int(n)
}

// attrPhase reads escrow.phase, keeping only the lifecycle's phases.
func attrPhase(attrs map[string]any) (escrow.Phase, bool) {
	p, _ := attrString(attrs, AttrEscrowPhase)
	return escrow.Phase(p), escrow.Phase(p).Valid()
}

// attrKind reads escrow.error.kind: a few stable words (letters, digits,
// '_'), anything else is dropped so that no message slips into the field.
func attrKind(attrs map[string]any) escrow.Kind {
	k, _ := attrString(attrs, AttrErrorKind)
	if len(k) == 0 || len(k) > 64 {
		return ""
	}
	for i := 0; i < len(k); i++ {
		if c := k[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
			return ""
		}
	}
	return escrow.Kind(k)
}

// attrFileMode reads wallet.file_mode as "0600"-style octal text; an integer
// is taken as the permission bits themselves.
func attrFileMode(attrs map[string]any) string {
	switch v := attrs[AttrSnapshotFileMode].(type) {
	case string:
		if len(v) == 4 && v[0] == '0' && isOctal(v[1:]) {
			return v
		}
	default:
		if n, ok := anyInt(v); ok && n >= 0 && n <= 0o777 {
			return fmt.Sprintf("%04o", n)
		}
	}
	return ""
}

func isOctal(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '7' {
			return false
		}
	}
	return true
}
