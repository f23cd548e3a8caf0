package secretscan

import (
	"slices"
	"testing"
)

func TestScan(t *testing.T) {
	var s Set
	s.Add("rpc password", "hunter2hunter2")
	s.Add("multisig_info", "MultisigV1xxhunter2hunter2yy") // holds the password
	s.Add("address", "9address-of-the-escrow")
	tests := []struct {
		name string
		data string
		want []Hit
	}{
		{"clean", "level=INFO msg=\"escrow ready\"\n", nil},
		{"one, its line redacted", "first line\nlevel=DEBUG password=hunter2hunter2 user=x\nlast line\n",
			[]Hit{{Kind: "rpc password", Offset: 32, Line: "level=DEBUG password=<rpc password> user=x"}}},
		{"no newline around", "hunter2hunter2",
			[]Hit{{Kind: "rpc password", Offset: 0, Line: "<rpc password>"}}},
		{"nested secret: the longer one redacted whole", "info=MultisigV1xxhunter2hunter2yy\n", []Hit{
			{Kind: "multisig_info", Offset: 5, Line: "info=<multisig_info>"},
			{Kind: "rpc password", Offset: 17, Line: "info=<multisig_info>"},
		}},
		{"every secret of the line redacted, in order of offset", "a=9address-of-the-escrow b=hunter2hunter2", []Hit{
			{Kind: "address", Offset: 2, Line: "a=<address> b=<rpc password>"},
			{Kind: "rpc password", Offset: 27, Line: "a=<address> b=<rpc password>"},
		}},
		{"one hit per secret", "hunter2hunter2\nhunter2hunter2\n",
			[]Hit{{Kind: "rpc password", Offset: 0, Line: "<rpc password>"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Scan([]byte(tt.data)); !slices.Equal(got, tt.want) {
				t.Errorf("Scan = %+v\nwant   %+v", got, tt.want)
			}
		})
	}
}
