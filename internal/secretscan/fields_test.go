package secretscan

import (
	"maps"
	"testing"
)

func TestAddFields(t *testing.T) {
	fields := Fields{"password": "wallet password (wire)", "multisig_info": "multisig_info"}
	tests := []struct {
		name string
		v    any
		want map[string]string // value -> kind
	}{
		{"nil", nil, map[string]string{}},
		{"typed struct", struct {
			Filename string `json:"filename"`
			Password string `json:"password"`
		}{"escrow-buyer-wallet", "a-wallet-password"}, map[string]string{"a-wallet-password": "wallet password (wire)"}},
		{"list under the key", map[string]any{"multisig_info": []string{"MultisigV1first", "MultisigV1second"}},
			map[string]string{"MultisigV1first": "multisig_info", "MultisigV1second": "multisig_info"}},
		{"nested", map[string]any{"result": map[string]any{"multisig_info": "MultisigxV2Rn1nested"}},
			map[string]string{"MultisigxV2Rn1nested": "multisig_info"}},
		{"other keys and non-strings ignored", map[string]any{"filename": "not-a-secret-at-all", "password": 123456789},
			map[string]string{}},
		{"does not marshal", make(chan int), map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Set
			s.AddFields(tt.v, fields)
			if got := s.values; !maps.Equal(got, tt.want) {
				t.Errorf("values %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAddBody(t *testing.T) {
	fields := Fields{"password": "wallet password (wire)", "address": "address"}
	tests := []struct {
		name string
		body string
		want map[string]string
	}{
		{"request", `{"jsonrpc":"2.0","id":"0","method":"open_wallet","params":{"filename":"w","password":"open-sesame-123"}}`,
			map[string]string{"open-sesame-123": "wallet password (wire)"}},
		{"response", `{"id":"0","jsonrpc":"2.0","result":{"address":"9uVsvEryzpN8WH2t1WWhFFCG5tS8cBNdmJYNRuckLENFimfauV5pZKeS1P2CbxGkSDTUPHXWwiYE5ZGSXDAGbaZgDxobqDN"}}`,
			map[string]string{"9uVsvEryzpN8WH2t1WWhFFCG5tS8cBNdmJYNRuckLENFimfauV5pZKeS1P2CbxGkSDTUPHXWwiYE5ZGSXDAGbaZgDxobqDN": "address"}},
		{"not JSON", `<html>502 Bad Gateway password</html>`, map[string]string{}},
		{"empty", ``, map[string]string{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Set
			s.AddBody([]byte(tt.body), fields)
			if got := s.values; !maps.Equal(got, tt.want) {
				t.Errorf("values %q, want %q", got, tt.want)
			}
		})
	}
}
