package walletrpc

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
)

// TestPayoutCallsOnTheWire checks each payout and chain call's method,
// params and decoding. The answers are shaped as monero-wallet-rpc 0.18
// gives them on regtest; the calls' behaviour against the real server is
// tested in pkg/multisig (TestPayoutOnRegtest) and pkg/chain.
func TestPayoutCallsOnTheWire(t *testing.T) {
	tests := []struct {
		method string
		params string // the params the server must get; "" for none
		answer string
		call   func(ctx context.Context, c *Client) (any, error)
		want   any
	}{
		{"refresh", "", `{"blocks_fetched":12,"received_money":true}`,
			func(ctx context.Context, c *Client) (any, error) { return c.Refresh(ctx) },
			RefreshResult{BlocksFetched: 12, ReceivedMoney: true}},
		{"auto_refresh", `{"enable":false}`, `{}`,
			func(ctx context.Context, c *Client) (any, error) { return nil, c.DisableAutoRefresh(ctx) },
			nil},
		{"auto_refresh", `{"enable":true}`, `{}`,
			func(ctx context.Context, c *Client) (any, error) { return nil, c.EnableAutoRefresh(ctx) },
			nil},
		{"get_height", "", `{"height":171}`,
			func(ctx context.Context, c *Client) (any, error) { return c.GetHeight(ctx) },
			uint64(171)},
		{"get_balance", `{"account_index":0}`, `{"balance":5,"unlocked_balance":4,"multisig_import_needed":true,"blocks_to_unlock":3,"time_to_unlock":0}`,
			func(ctx context.Context, c *Client) (any, error) { return c.GetBalanceInfo(ctx) },
			BalanceInfo{Balance: 5, UnlockedBalance: 4, MultisigImportNeeded: true, BlocksToUnlock: 3}},
		{"export_multisig_info", "", `{"info":"4d6f6e65726f"}`,
			func(ctx context.Context, c *Client) (any, error) { return c.ExportMultisigInfo(ctx) },
			"4d6f6e65726f"},
		{"import_multisig_info", `{"info":["aa","bb"]}`, `{"n_outputs":1}`,
			func(ctx context.Context, c *Client) (any, error) {
				return c.ImportMultisigInfo(ctx, []string{"aa", "bb"})
			},
			1},
		{"transfer", `{"destinations":[{"amount":7,"address":"4x"}],"account_index":0}`, `{"amount":7,"fee":1,"tx_hash":"","multisig_txset":"0a"}`,
			func(ctx context.Context, c *Client) (any, error) {
				return c.Transfer(ctx, []Destination{{Amount: 7, Address: "4x"}})
			},
			TransferResult{Amount: 7, Fee: 1, MultisigTxSet: "0a"}},
		{"sweep_all", `{"address":"4x","account_index":0}`, `{"tx_hash_list":[""],"amount_list":[9],"fee_list":[1],"multisig_txset":"0b"}`,
			func(ctx context.Context, c *Client) (any, error) { return c.SweepAll(ctx, "4x") },
			SweepResult{TxHashes: []string{""}, Amounts: []uint64{9}, Fees: []uint64{1}, MultisigTxSet: "0b"}},
		{"describe_transfer", `{"multisig_txset":"0b"}`, `{"desc":[{"amount_in":10,"amount_out":9,"recipients":[{"address":"4x","amount":9}],"change_amount":0,"change_address":"","fee":1}],"summary":{}}`,
			func(ctx context.Context, c *Client) (any, error) { return c.DescribeTransfer(ctx, "0b") },
			[]TxDescription{{AmountIn: 10, AmountOut: 9, Recipients: []Destination{{Amount: 9, Address: "4x"}}, Fee: 1}}},
		{"sign_multisig", `{"tx_data_hex":"0b"}`, `{"tx_data_hex":"0c","tx_hash_list":["ab"]}`,
			func(ctx context.Context, c *Client) (any, error) { return c.SignMultisig(ctx, "0b") },
			SignResult{TxDataHex: "0c", TxHashList: []string{"ab"}}},
		{"submit_multisig", `{"tx_data_hex":"0c"}`, `{"tx_hash_list":["ab"]}`,
			func(ctx context.Context, c *Client) (any, error) { return c.SubmitMultisig(ctx, "0c") },
			[]string{"ab"}},
		{"get_transfer_by_txid", `{"txid":"ab"}`, `{"transfer":{"txid":"ab","type":"in","amount":9},"transfers":[{"txid":"ab","type":"in","amount":9}]}`,
			func(ctx context.Context, c *Client) (any, error) { return c.GetTransferByTxID(ctx, "ab") },
			[]Transfer{{TxID: "ab", Type: "in", Amount: 9}}},
	}
	for _, tt := range tests {
		t.Run(tt.method, func(t *testing.T) {
			var got fakeRequest
			srv := fakeServer(t, func(w http.ResponseWriter, _ *http.Request, req fakeRequest) {
				got = req
				answerResult(w, req, tt.answer)
			})
			c := newFakeClient(t, srv.URL, Options{})
			res, err := tt.call(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if got.Method != tt.method {
				t.Errorf("method %q, want %q", got.Method, tt.method)
			}
			if !sameJSON(t, got.Params, tt.params) {
				t.Errorf("params %s, want %s", got.Params, tt.params)
			}
			if !reflect.DeepEqual(res, tt.want) {
				t.Errorf("result %#v, want %#v", res, tt.want)
			}
		})
	}
}

func sameJSON(t *testing.T, got json.RawMessage, want string) bool {
	t.Helper()
	if want == "" {
		return len(got) == 0 || string(got) == "null"
	}
	var a, b any
	if err := json.Unmarshal(got, &a); err != nil {
		return false
	}
	if err := json.Unmarshal([]byte(want), &b); err != nil {
		t.Fatal(err)
	}
	return reflect.DeepEqual(a, b)
}
