package secretscan

import (
	"fmt"
	"slices"
	"testing"
)

// reports records what Check reports.
type reports []string

func (r *reports) Helper() {}

func (r *reports) Errorf(format string, args ...any) { *r = append(*r, fmt.Sprintf(format, args...)) }

func TestCheck(t *testing.T) {
	var s Set
	s.Add("rpc password", "hunter2hunter2")
	s.Add("multisig address", "9multisig-address-of-the-escrow")
	s.Add("get_address result address", "9wallet-address-of-the-buyer")
	s.Add("address book", "not-an-address-kind-but-ends-so") // "book" is its last word
	tests := []struct {
		name        string
		data        string
		allowed     []string
		want        []string
		wantAllowed int
	}{
		{"clean", "nothing here", nil, nil, 0},
		{"reported, redacted", "x pw=hunter2hunter2\n", nil,
			[]string{`log holds a secret (rpc password): "x pw=<rpc password>"`}, 0},
		{"allowed by last word", "9multisig-address-of-the-escrow 9wallet-address-of-the-buyer\n", []string{"address"}, nil, 2},
		{"allowed counts, others reported", "a=9multisig-address-of-the-escrow p=hunter2hunter2", []string{"address"},
			[]string{`log holds a secret (rpc password): "a=<multisig address> p=<rpc password>"`}, 1},
		{"whole word only", "not-an-address-kind-but-ends-so", []string{"address", "ook"},
			[]string{`log holds a secret (address book): "<address book>"`}, 0},
		{"exact kind", "hunter2hunter2", []string{"rpc password"}, nil, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r reports
			n := s.Check(&r, "log", []byte(tt.data), tt.allowed...)
			if !slices.Equal(r, tt.want) || n != tt.wantAllowed {
				t.Errorf("reported %q, %d allowed; want %q, %d", r, n, tt.want, tt.wantAllowed)
			}
		})
	}
}
