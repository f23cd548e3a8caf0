package secretscan

import (
	"maps"
	"sync"
	"testing"
)

func TestAdd(t *testing.T) {
	type add struct{ kind, value string }
	tests := []struct {
		name      string
		adds      []add
		wantKinds map[string]int
	}{
		{"empty", nil, map[string]int{}},
		{"one", []add{{"rpc password", "0123456789abcdef"}}, map[string]int{"rpc password": 1}},
		{"shorter than MinLen ignored", []add{{"rpc user", "1234567"}, {"rpc user", ""}}, map[string]int{}},
		{"exactly MinLen kept", []add{{"rpc user", "12345678"}}, map[string]int{"rpc user": 1}},
		{"first sighting names it", []add{{"wallet password (derived)", "p4ssw0rd-of-a-wallet"}, {"wallet password (wire)", "p4ssw0rd-of-a-wallet"}},
			map[string]int{"wallet password (derived)": 1}},
		{"same kind counts values", []add{{"address", "address-number-one"}, {"address", "address-number-two"}, {"address", "address-number-one"}},
			map[string]int{"address": 2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Set
			for _, a := range tt.adds {
				s.Add(a.kind, a.value)
			}
			if got := s.Kinds(); !maps.Equal(got, tt.wantKinds) {
				t.Errorf("Kinds() = %v, want %v", got, tt.wantKinds)
			}
			n := 0
			for _, c := range tt.wantKinds {
				n += c
			}
			if s.Len() != n {
				t.Errorf("Len() = %d, want %d", s.Len(), n)
			}
		})
	}
}

func TestAddBytes(t *testing.T) {
	tests := []struct {
		name string
		b    []byte
		want map[string]string // value -> kind
	}{
		{"every encoding", []byte{0xfb, 0xff, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06}, map[string]string{
			"\xfb\xff\x01\x02\x03\x04\x05\x06": "master secret",
			"fbff010203040506":                 "master secret (hex)",
			"+/8BAgMEBQY=":                     "master secret (base64)",
			"-_8BAgMEBQY":                      "master secret (base64url)",
		}},
		{"short raw, long encodings", []byte("abcdef"), map[string]string{
			"616263646566": "master secret (hex)",
			"YWJjZGVm":     "master secret (base64)",
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Set
			s.AddBytes("master secret", tt.b)
			if !maps.Equal(s.values, tt.want) {
				t.Errorf("values %q, want %q", s.values, tt.want)
			}
		})
	}
}

func TestConcurrentAdd(t *testing.T) {
	var s Set
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Go(func() {
			for j := range 100 {
				s.Add("kind", string(rune('a'+i))+"-secret-value-"+string(rune('A'+j%26)))
				s.Scan([]byte("nothing secret here"))
			}
		})
	}
	wg.Wait()
	if s.Len() != 8*26 {
		t.Fatalf("Len() = %d, want %d", s.Len(), 8*26)
	}
}
