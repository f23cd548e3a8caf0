package walletrpc

import "context"

// walletLanguage is the seed language of created wallets; the RPC requires one.
const walletLanguage = "English"

// GetVersion returns the server's RPC version (major<<16 | minor).
func (c *Client) GetVersion(ctx context.Context) (uint32, error) {
	var res struct {
		Version uint32 `json:"version"`
	}
	if err := c.Call(ctx, "get_version", nil, &res); err != nil {
		return 0, err
	}
	return res.Version, nil
}

// CreateWallet creates filename in the server's wallet dir and leaves it open,
// replacing (after saving) whatever wallet was open.
func (c *Client) CreateWallet(ctx context.Context, filename, password string) error {
	params := struct {
		Filename string `json:"filename"`
		Password string `json:"password"`
		Language string `json:"language"`
	}{filename, password, walletLanguage}
	return c.Call(ctx, "create_wallet", params, nil)
}

// OpenWallet opens filename. On failure the previously open wallet stays open.
func (c *Client) OpenWallet(ctx context.Context, filename, password string) error {
	params := struct {
		Filename string `json:"filename"`
		Password string `json:"password"`
	}{filename, password}
	return c.Call(ctx, "open_wallet", params, nil)
}

// CloseWallet saves and closes the open wallet. Without autosave_current the
// server drops unsaved multisig state and the next open fails.
func (c *Client) CloseWallet(ctx context.Context) error {
	params := struct {
		AutosaveCurrent bool `json:"autosave_current"`
	}{true}
	return c.Call(ctx, "close_wallet", params, nil)
}

// Store saves the open wallet to its files.
func (c *Client) Store(ctx context.Context) error {
	return c.Call(ctx, "store", nil, nil)
}

// accountParams selects account 0, the only one escrowd uses.
type accountParams struct {
	AccountIndex uint32 `json:"account_index"`
}

// GetAddress returns the primary address of account 0.
func (c *Client) GetAddress(ctx context.Context) (string, error) {
	var res struct {
		Address string `json:"address"`
	}
	if err := c.Call(ctx, "get_address", accountParams{}, &res); err != nil {
		return "", err
	}
	return res.Address, nil
}

// Balance is account 0's balance in atomic units.
type Balance struct {
	Balance         uint64 `json:"balance"`
	UnlockedBalance uint64 `json:"unlocked_balance"`
}

// GetBalance returns account 0's balance.
func (c *Client) GetBalance(ctx context.Context) (Balance, error) {
	var b Balance
	if err := c.Call(ctx, "get_balance", accountParams{}, &b); err != nil {
		return Balance{}, err
	}
	return b, nil
}
