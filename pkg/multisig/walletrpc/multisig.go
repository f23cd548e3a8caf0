package walletrpc

import "context"

// KexResult is what make_multisig and exchange_multisig_keys answer: the
// (placeholder or final) address and this wallet's message for the next round,
// which is key material.
type KexResult struct {
	Address      string `json:"address"`
	MultisigInfo string `json:"multisig_info"`
}

// MultisigStatus is is_multisig's answer.
type MultisigStatus struct {
	Multisig  bool `json:"multisig"`
	Ready     bool `json:"ready"`
	Threshold int  `json:"threshold"`
	Total     int  `json:"total"`
}

// PrepareMultisig returns this wallet's first kex message. It always enables
// experimental multisig: the flag lives in memory until make_multisig writes
// it, and without it round 2 fails with ErrMultisigDisabled.
func (c *Client) PrepareMultisig(ctx context.Context) (string, error) {
	params := struct {
		Enable bool `json:"enable_multisig_experimental"`
	}{true}
	var res struct {
		MultisigInfo string `json:"multisig_info"`
	}
	if err := c.Call(ctx, "prepare_multisig", params, &res); err != nil {
		return "", err
	}
	return res.MultisigInfo, nil
}

// MakeMultisig runs kex round 1 with the other participants' prepare messages.
// The server checks neither count nor threshold sensibly (one info gives a
// 2-of-2), and password re-encrypts the keys file unchecked: callers validate.
func (c *Client) MakeMultisig(ctx context.Context, infos []string, threshold int, password string) (KexResult, error) {
	params := struct {
		MultisigInfo []string `json:"multisig_info"`
		Threshold    int      `json:"threshold"`
		Password     string   `json:"password"`
	}{infos, threshold, password}
	var res KexResult
	if err := c.Call(ctx, "make_multisig", params, &res); err != nil {
		return KexResult{}, err
	}
	return res, nil
}

// ExchangeMultisigKeys runs the next kex round with the other participants'
// messages of the previous round. In 2-of-3 the second call returns the final
// address.
func (c *Client) ExchangeMultisigKeys(ctx context.Context, infos []string, password string) (KexResult, error) {
	params := struct {
		MultisigInfo []string `json:"multisig_info"`
		Password     string   `json:"password"`
	}{infos, password}
	var res KexResult
	if err := c.Call(ctx, "exchange_multisig_keys", params, &res); err != nil {
		return KexResult{}, err
	}
	return res, nil
}

// IsMultisig reports the open wallet's multisig state.
func (c *Client) IsMultisig(ctx context.Context) (MultisigStatus, error) {
	var st MultisigStatus
	if err := c.Call(ctx, "is_multisig", nil, &st); err != nil {
		return MultisigStatus{}, err
	}
	return st, nil
}
