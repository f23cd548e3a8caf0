package spanconv

import "testing"

func TestSecret(t *testing.T) {
	tests := []struct {
		key  string
		want bool
	}{
		{"wallet.password", true},
		{"rpc.request.multisig_info", true},
		{"wallet.spend_key", true},
		{"wallet.view-key", true},
		{"wallet.seed", true},
		{"http.request.header.authorization", true},
		{"MultisigInfo", true},
		{"escrow.id", false},
		{"rpc.method", false},
		{"wallet.address_hash", false},
		{"server.port", false},
		{"monkey", false}, // a word that merely contains "key"
		{"wallet.is_multisig", false},
	}
	for _, tt := range tests {
		if got := Secret(tt.key); got != tt.want {
			t.Errorf("Secret(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}
