package secretscan

import (
	"encoding/base64"
	"encoding/hex"
	"sync"
)

// MinLen is the shortest value a Set keeps: shorter ones would match by
// chance. Every real secret of escrowd is 16 or more characters (passwords,
// keys, credentials, multisig messages, addresses).
const MinLen = 8

// Set is the secrets of one run, each with its kind ("rpc password",
// "make_multisig result multisig_info"). The zero Set is empty and ready; its
// methods may be called from many goroutines at once.
type Set struct {
	mu     sync.Mutex
	values map[string]string // value -> kind
}

// Add adds value as a secret of the given kind. The first sighting of a
// value names it: adding it again under another kind changes nothing, so add
// what the test knows best (derived passwords) before what it captures.
// Values shorter than MinLen are ignored.
func (s *Set) Add(kind, value string) {
	if len(value) < MinLen {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.values == nil {
		s.values = map[string]string{}
	}
	if _, seen := s.values[value]; !seen {
		s.values[value] = kind
	}
}

// AddBytes adds raw key material as it is and in the encodings a log line
// or a JSON field would carry it: hex, standard base64 and unpadded URL
// base64, with kinds "kind", "kind (hex)", "kind (base64)" and
// "kind (base64url)".
func (s *Set) AddBytes(kind string, b []byte) {
	s.Add(kind, string(b))
	s.Add(kind+" (hex)", hex.EncodeToString(b))
	s.Add(kind+" (base64)", base64.StdEncoding.EncodeToString(b))
	s.Add(kind+" (base64url)", base64.RawURLEncoding.EncodeToString(b))
}

// Len is how many secrets the Set holds.
func (s *Set) Len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.values)
}

// Kinds counts the secrets of each kind: what a test asserts to show that
// the scan proves something.
func (s *Set) Kinds() map[string]int {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := map[string]int{}
	for _, k := range s.values {
		out[k]++
	}
	return out
}
