package walletrpc

import "context"

// The calls of a wallet that is connected to a daemon: sync, height, the
// balance with its multisig state, plain transfers and their lookup.

// RefreshResult is refresh's answer.
type RefreshResult struct {
	BlocksFetched uint64 `json:"blocks_fetched"`
	ReceivedMoney bool   `json:"received_money"`
}

// Refresh scans the daemon's new blocks into the open wallet. A multisig
// wallet must be refreshed before import_multisig_info: an import before
// refresh leaves balance 0 and the next signature stale (shared/FACTS.md).
func (c *Client) Refresh(ctx context.Context) (RefreshResult, error) {
	var res RefreshResult
	if err := c.Call(ctx, "refresh", nil, &res); err != nil {
		return RefreshResult{}, err
	}
	return res, nil
}

// DisableAutoRefresh stops the server's background refresh. monero-wallet-rpc
// refreshes an open wallet by itself (every 20 s by default, and at the
// first idle second after open_wallet when the last refresh is older): a
// wallet's state then changes between a protocol's calls, behind its back.
// The setting belongs to the server, not to a wallet: it holds for every
// wallet opened afterwards, and it needs no open wallet (measured on 0.18).
func (c *Client) DisableAutoRefresh(ctx context.Context) error {
	return c.Call(ctx, "auto_refresh", struct {
		Enable bool `json:"enable"`
	}{false}, nil)
}

// EnableAutoRefresh turns the server's background refresh back on, at its
// default period (20 s).
func (c *Client) EnableAutoRefresh(ctx context.Context) error {
	return c.Call(ctx, "auto_refresh", struct {
		Enable bool `json:"enable"`
	}{true}, nil)
}

// GetHeight is the open wallet's synced height (blocks it has scanned).
func (c *Client) GetHeight(ctx context.Context) (uint64, error) {
	var res struct {
		Height uint64 `json:"height"`
	}
	if err := c.Call(ctx, "get_height", nil, &res); err != nil {
		return 0, err
	}
	return res.Height, nil
}

// BalanceInfo is get_balance's answer for account 0 with what a payout
// checks: a multisig wallet whose MultisigImportNeeded is true cannot spend
// (its key images are unknown until it imports the others' multisig info).
type BalanceInfo struct {
	Balance              uint64 `json:"balance"`
	UnlockedBalance      uint64 `json:"unlocked_balance"`
	MultisigImportNeeded bool   `json:"multisig_import_needed"`
	BlocksToUnlock       uint64 `json:"blocks_to_unlock"`
}

// GetBalanceInfo returns account 0's balance and multisig import state.
func (c *Client) GetBalanceInfo(ctx context.Context) (BalanceInfo, error) {
	var b BalanceInfo
	if err := c.Call(ctx, "get_balance", accountParams{}, &b); err != nil {
		return BalanceInfo{}, err
	}
	return b, nil
}

// Destination is one output of a transfer, in atomic units.
type Destination struct {
	Amount  uint64 `json:"amount"`
	Address string `json:"address"`
}

// TransferResult is transfer's answer. A plain wallet sends the transaction
// and answers its TxHash; a multisig wallet sends nothing and answers the
// unsigned MultisigTxSet (hex) for the other signer's sign_multisig.
type TransferResult struct {
	TxHash        string `json:"tx_hash"`
	Amount        uint64 `json:"amount"`
	Fee           uint64 `json:"fee"`
	MultisigTxSet string `json:"multisig_txset"`
}

// Transfer pays dests from account 0 at the default priority.
func (c *Client) Transfer(ctx context.Context, dests []Destination) (TransferResult, error) {
	params := struct {
		Destinations []Destination `json:"destinations"`
		AccountIndex uint32        `json:"account_index"`
	}{dests, 0}
	var res TransferResult
	if err := c.Call(ctx, "transfer", params, &res); err != nil {
		return TransferResult{}, err
	}
	return res, nil
}

// Transfer is one entry of the wallet's history (get_transfer_by_txid).
type Transfer struct {
	TxID          string        `json:"txid"`
	Type          string        `json:"type"` // "in", "out", "pending", "failed", "pool"
	Amount        uint64        `json:"amount"`
	Fee           uint64        `json:"fee"`
	Height        uint64        `json:"height"`
	Confirmations uint64        `json:"confirmations"`
	Destinations  []Destination `json:"destinations"`
}

// GetTransferByTxID returns the open wallet's record of transaction txid:
// every entry of it (a transaction can be both an outgoing and an incoming
// one of the same wallet).
func (c *Client) GetTransferByTxID(ctx context.Context, txid string) ([]Transfer, error) {
	params := struct {
		TxID string `json:"txid"`
	}{txid}
	var res struct {
		Transfer  Transfer   `json:"transfer"`
		Transfers []Transfer `json:"transfers"`
	}
	if err := c.Call(ctx, "get_transfer_by_txid", params, &res); err != nil {
		return nil, err
	}
	if len(res.Transfers) == 0 && res.Transfer.TxID != "" {
		return []Transfer{res.Transfer}, nil
	}
	return res.Transfers, nil
}
