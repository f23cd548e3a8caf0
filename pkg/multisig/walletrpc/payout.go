package walletrpc

import "context"

// The multisig payout calls (monero-wallet-rpc 0.18). Their params and
// answers carry multisig info and transaction sets: middleware must never
// record, log or export them (see Call).

// ExportMultisigInfo returns the open multisig wallet's partial key images,
// which the other signers import before a spend. Export after refresh: an
// export made before the wallet saw its outputs is of no use.
func (c *Client) ExportMultisigInfo(ctx context.Context) (string, error) {
	var res struct {
		Info string `json:"info"`
	}
	if err := c.Call(ctx, "export_multisig_info", nil, &res); err != nil {
		return "", err
	}
	return res.Info, nil
}

// ImportMultisigInfo imports the other signers' exports and returns the
// number of outputs it updated.
func (c *Client) ImportMultisigInfo(ctx context.Context, infos []string) (int, error) {
	params := struct {
		Info []string `json:"info"`
	}{infos}
	var res struct {
		NOutputs int `json:"n_outputs"`
	}
	if err := c.Call(ctx, "import_multisig_info", params, &res); err != nil {
		return 0, err
	}
	return res.NOutputs, nil
}

// SweepResult is sweep_all's answer. A multisig wallet answers the unsigned
// MultisigTxSet and, per transaction, the amount and fee.
type SweepResult struct {
	TxHashes      []string `json:"tx_hash_list"`
	Amounts       []uint64 `json:"amount_list"`
	Fees          []uint64 `json:"fee_list"`
	MultisigTxSet string   `json:"multisig_txset"`
}

// SweepAll sends account 0's whole unlocked balance, minus the fee, to
// address: the payout's "everything to the payee" in one step, with no fee
// estimate of the caller's.
func (c *Client) SweepAll(ctx context.Context, address string) (SweepResult, error) {
	params := struct {
		Address      string `json:"address"`
		AccountIndex uint32 `json:"account_index"`
	}{address, 0}
	var res SweepResult
	if err := c.Call(ctx, "sweep_all", params, &res); err != nil {
		return SweepResult{}, err
	}
	return res, nil
}

// SignResult is sign_multisig's answer: the set with this wallet's
// signature added and the hashes of its transactions.
type SignResult struct {
	TxDataHex  string   `json:"tx_data_hex"`
	TxHashList []string `json:"tx_hash_list"`
}

// SignMultisig adds the open wallet's signature to txset (hex). Fails with
// ErrStaleData when the set was built on outdated multisig info and
// ErrAlreadySigned when it has all its signatures.
func (c *Client) SignMultisig(ctx context.Context, txset string) (SignResult, error) {
	params := struct {
		TxDataHex string `json:"tx_data_hex"`
	}{txset}
	var res SignResult
	if err := c.Call(ctx, "sign_multisig", params, &res); err != nil {
		return SignResult{}, err
	}
	return res, nil
}

// SubmitMultisig sends a fully signed txset to the daemon and returns the
// hashes of its transactions.
func (c *Client) SubmitMultisig(ctx context.Context, txset string) ([]string, error) {
	params := struct {
		TxDataHex string `json:"tx_data_hex"`
	}{txset}
	var res struct {
		TxHashList []string `json:"tx_hash_list"`
	}
	if err := c.Call(ctx, "submit_multisig", params, &res); err != nil {
		return nil, err
	}
	return res.TxHashList, nil
}

// TxDescription is one transaction of a described set.
type TxDescription struct {
	AmountIn      uint64        `json:"amount_in"`
	AmountOut     uint64        `json:"amount_out"`
	Recipients    []Destination `json:"recipients"`
	ChangeAmount  uint64        `json:"change_amount"`
	ChangeAddress string        `json:"change_address"`
	Fee           uint64        `json:"fee"`
}

// DescribeTransfer decodes a multisig txset: where its money goes and its
// fee. A signer checks it before signing that the set pays the payee.
func (c *Client) DescribeTransfer(ctx context.Context, multisigTxSet string) ([]TxDescription, error) {
	params := struct {
		MultisigTxSet string `json:"multisig_txset"`
	}{multisigTxSet}
	var res struct {
		Desc []TxDescription `json:"desc"`
	}
	if err := c.Call(ctx, "describe_transfer", params, &res); err != nil {
		return nil, err
	}
	return res.Desc, nil
}
