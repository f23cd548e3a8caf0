package secretscan

import "strings"

// Reporter is the part of testing.TB that Check reports through.
type Reporter interface {
	Helper()
	Errorf(format string, args ...any)
}

// Check reports, with t.Errorf, every secret of the Set found in data, named
// by where (e.g. "trace file escrow_<id>.json"), but those of an allowed
// kind, and returns how many allowed ones it found. An allowed name matches
// the kind it names and every kind it ends as its last word: "address"
// allows "address", "multisig address" and "get_address result address".
// Allowed kinds are what an output may carry on purpose (the API answers an
// escrow's multisig address).
func (s *Set) Check(t Reporter, where string, data []byte, allowed ...string) (allowedSeen int) {
	t.Helper()
	for _, h := range s.Scan(data) {
		if allows(allowed, h.Kind) {
			allowedSeen++
			continue
		}
		t.Errorf("%s holds a secret (%s): %.300q", where, h.Kind, h.Line)
	}
	return allowedSeen
}

func allows(allowed []string, kind string) bool {
	for _, a := range allowed {
		if kind == a || strings.HasSuffix(kind, " "+a) {
			return true
		}
	}
	return false
}
