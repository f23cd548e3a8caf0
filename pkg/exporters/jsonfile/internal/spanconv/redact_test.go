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
		{"Wallet.PASSWORD", true},
		{"x.\u212aey", true}, // KELVIN SIGN lower-cases to k
		{"a..b__c--", false},
		{"", false},
		{"key", true},
		{"wallet-spend-key-but-the-name-is-longer-than-sixty-four-bytes-long", true},
		{"rpc.request.params.multisig_info.but-the-name-is-longer-than-64-bytes", true},
		{"a-name-longer-than-sixty-four-bytes-that-holds-no-sensitive-word-at-all", false},
		{"rpc.request.multisig_txset", true},
		{"wallet.unsigned_txset", true},
		{"rpc.response.tx_data_hex", true},
		{"rpc.response.tx_metadata_list", true},
		{"payout.tx_hash", true},
		{"payout.tx_hash_list", true},
		{"payout.txid", true},
		{"payout.tx_hash_hash", false},
		{"wallet.multisig_import_needed", false},
		{"wallet.height", false},
		{"escrow.error.kind", false},
		{"escrow.phase", false},
	}
	for _, tt := range tests {
		if got := Secret(tt.key); got != tt.want {
			t.Errorf("Secret(%q) = %v, want %v", tt.key, got, tt.want)
		}
		if got := secretUnicode(tt.key); got != tt.want {
			t.Errorf("secretUnicode(%q) = %v, want %v", tt.key, got, tt.want)
		}
	}
}

func TestSecretAllocates(t *testing.T) {
	for _, key := range []string{"rpc.request.Multisig_Info", "wallet.address_hash", "payout.tx_hash_hash"} {
		if n := testing.AllocsPerRun(100, func() { Secret(key) }); n != 0 {
			t.Errorf("Secret(%q) allocates %v times per call", key, n)
		}
	}
}
