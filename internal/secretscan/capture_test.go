package secretscan

import (
	"context"
	"errors"
	"maps"
	"testing"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

func TestCapture(t *testing.T) {
	type prepareResult struct {
		MultisigInfo string `json:"multisig_info"`
	}
	errWallet := errors.New("wallet says no")
	tests := []struct {
		name    string
		call    walletrpc.Call
		answer  func(*walletrpc.Call) error // the wallet server
		want    map[string]string
		wantErr error
	}{
		{"result then params", walletrpc.Call{Method: "make_multisig",
			Params: map[string]any{"multisig_info": []string{"MultisigV1-from-seller", "MultisigV1-from-arbiter"}, "password": "wallet-password-1"},
			Result: &prepareResult{}},
			func(c *walletrpc.Call) error {
				c.Result.(*prepareResult).MultisigInfo = "MultisigxV2R1-from-buyer"
				return nil
			},
			map[string]string{
				"MultisigxV2R1-from-buyer": "make_multisig result multisig_info",
				"MultisigV1-from-seller":   "make_multisig params multisig_info",
				"MultisigV1-from-arbiter":  "make_multisig params multisig_info",
				"wallet-password-1":        "make_multisig params password",
			}, nil},
		{"failed call: params still captured, error passed on", walletrpc.Call{Method: "open_wallet",
			Params: map[string]string{"filename": "escrow-wallet", "password": "wallet-password-2"}},
			func(*walletrpc.Call) error { return errWallet },
			map[string]string{"wallet-password-2": "open_wallet params password"}, errWallet},
		{"no result", walletrpc.Call{Method: "close_wallet"}, func(*walletrpc.Call) error { return nil }, map[string]string{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s Set
			inv := s.Capture("multisig_info", "password")(func(_ context.Context, c *walletrpc.Call) error { return tt.answer(c) })
			if err := inv(context.Background(), &tt.call); !errors.Is(err, tt.wantErr) {
				t.Fatalf("invoke: %v, want %v", err, tt.wantErr)
			}
			if got := s.values; !maps.Equal(got, tt.want) {
				t.Errorf("values %q, want %q", got, tt.want)
			}
		})
	}
}
