package chain

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync/atomic"
	"time"
)

// ErrUnavailable: the daemon could not be reached or gave no usable answer
// (refused, reset, non-200 HTTP, bad JSON).
var ErrUnavailable = errors.New("monerod rpc unavailable")

// ErrDaemon: the daemon answered with an error (a JSON-RPC error or a status
// other than "OK").
var ErrDaemon = errors.New("monerod rpc error")

// ErrNotRegtest: a regtest-only operation (mining, the faucet) on a daemon
// that is not on the fakechain network.
var ErrNotRegtest = errors.New("daemon is not on regtest")

// maxAnswer bounds a daemon answer read into memory.
const maxAnswer = 16 << 20

// Client is a typed client of monerod's RPC. It is safe for concurrent use.
type Client struct {
	base string // http://host:port
	http *http.Client
	ids  *atomic.Uint64
	hook Hook // nil: calls go straight to the daemon
}

// NewClient returns a client of the daemon at addr (host:port). It does not
// contact the daemon. Each call is bounded by its context.
func NewClient(addr string) (*Client, error) {
	if addr == "" || strings.ContainsAny(addr, " /\t\n") || !strings.Contains(addr, ":") {
		return nil, fmt.Errorf("chain: daemon address %q: want host:port", addr)
	}
	return &Client{
		base: "http://" + addr,
		http: &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 4, IdleConnTimeout: 30 * time.Second}},
		ids:  newIDs(),
	}, nil
}

// Address is the daemon's host:port.
func (c *Client) Address() string { return strings.TrimPrefix(c.base, "http://") }

// Info is the part of get_info escrowd uses.
type Info struct {
	Height       uint64 `json:"height"`
	Nettype      string `json:"nettype"` // "fakechain" on regtest, "mainnet", "stagenet", "testnet"
	Offline      bool   `json:"offline"`
	TxPoolSize   uint64 `json:"tx_pool_size"`
	Synchronized bool   `json:"synchronized"`
	TopBlockHash string `json:"top_block_hash"`
	Version      string `json:"version"`
	Status       string `json:"status"`
}

// Regtest reports whether the daemon runs the regtest (fakechain) network.
func (i Info) Regtest() bool { return i.Nettype == "fakechain" }

// GetInfo asks the daemon for its state.
func (c *Client) GetInfo(ctx context.Context) (Info, error) {
	var res Info
	if err := c.jsonRPC(ctx, "get_info", nil, &res); err != nil {
		return Info{}, err
	}
	if err := checkStatus("get_info", res.Status); err != nil {
		return Info{}, err
	}
	return res, nil
}

// GetHeight is the chain's height: the number of blocks, so the top block
// is at GetHeight()-1.
func (c *Client) GetHeight(ctx context.Context) (uint64, error) {
	var res struct {
		Height uint64 `json:"height"`
		Status string `json:"status"`
	}
	if err := c.other(ctx, "get_height", struct{}{}, &res); err != nil {
		return 0, err
	}
	if err := checkStatus("get_height", res.Status); err != nil {
		return 0, err
	}
	return res.Height, nil
}

// GenerateBlocks mines n blocks paying their coinbase to address and returns
// the chain's new height (as GetHeight counts it). Regtest only: another network is refused with
// ErrNotRegtest before anything is sent.
func (c *Client) GenerateBlocks(ctx context.Context, n int, address string) (uint64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("chain: generateblocks: %d blocks: want at least 1", n)
	}
	if address == "" {
		return 0, errors.New("chain: generateblocks: no wallet address")
	}
	info, err := c.GetInfo(ctx)
	if err != nil {
		return 0, err
	}
	if !info.Regtest() {
		return 0, fmt.Errorf("chain: generateblocks on %s: %w", info.Nettype, ErrNotRegtest)
	}
	params := struct {
		Amount  int    `json:"amount_of_blocks"`
		Address string `json:"wallet_address"`
	}{n, address}
	var res struct {
		Height uint64 `json:"height"`
		Status string `json:"status"`
	}
	if err := c.jsonRPC(ctx, "generateblocks", params, &res); err != nil {
		return 0, err
	}
	if err := checkStatus("generateblocks", res.Status); err != nil {
		return 0, err
	}
	// generateblocks answers the top block's height; the chain's height
	// (as get_info and get_height count it) is one more.
	return res.Height + 1, nil
}

// TxState is where the daemon sees a transaction.
type TxState int

const (
	// TxUnknown: neither in the pool nor on the chain.
	TxUnknown TxState = iota
	// TxInPool: in the daemon's transaction pool, not yet mined.
	TxInPool
	// TxInChain: mined, at TxStatus.Height.
	TxInChain
)

func (s TxState) String() string {
	switch s {
	case TxInPool:
		return "in_pool"
	case TxInChain:
		return "in_chain"
	}
	return "unknown"
}

// TxStatus is a transaction's state on the daemon.
type TxStatus struct {
	Hash   string
	State  TxState
	Height uint64 // block height when TxInChain
	// Confirmations counts blocks from the transaction's block to the top,
	// including its own; 0 unless TxInChain.
	Confirmations uint64
}

// Known reports whether the daemon has the transaction (pool or chain).
func (s TxStatus) Known() bool { return s.State != TxUnknown }

// Transactions reports where each hash is: pool, chain or unknown. Hashes
// are 64 hex characters; another form is refused before anything is sent.
func (c *Client) Transactions(ctx context.Context, hashes ...string) ([]TxStatus, error) {
	for _, h := range hashes {
		if !isTxHash(h) {
			return nil, fmt.Errorf("chain: get_transactions: %.80q is not a transaction hash (64 hex characters)", h)
		}
	}
	if len(hashes) == 0 {
		return nil, nil
	}
	params := struct {
		Hashes []string `json:"txs_hashes"`
	}{hashes}
	var res struct {
		Txs []struct {
			Hash        string `json:"tx_hash"`
			InPool      bool   `json:"in_pool"`
			BlockHeight uint64 `json:"block_height"`
		} `json:"txs"`
		Missed []string `json:"missed_tx"`
		Status string   `json:"status"`
	}
	err := c.call(ctx, "get_transactions", hashes, func(ctx context.Context) error {
		return c.post(ctx, "/get_transactions", "get_transactions", params, &res)
	})
	if err != nil {
		return nil, err
	}
	if err := checkStatus("get_transactions", res.Status); err != nil {
		return nil, err
	}
	var height uint64
	out := make([]TxStatus, len(hashes))
	for i, h := range hashes {
		out[i] = TxStatus{Hash: h}
		for _, tx := range res.Txs {
			if !strings.EqualFold(tx.Hash, h) {
				continue
			}
			if tx.InPool {
				out[i].State = TxInPool
				break
			}
			if height == 0 {
				var err error
				if height, err = c.GetHeight(ctx); err != nil {
					return nil, err
				}
			}
			out[i].State, out[i].Height = TxInChain, tx.BlockHeight
			if height > tx.BlockHeight {
				out[i].Confirmations = height - tx.BlockHeight
			}
			break
		}
	}
	return out, nil
}

// Transaction reports where one transaction is.
func (c *Client) Transaction(ctx context.Context, hash string) (TxStatus, error) {
	st, err := c.Transactions(ctx, hash)
	if err != nil {
		return TxStatus{Hash: hash}, err
	}
	return st[0], nil
}

func isTxHash(h string) bool {
	if len(h) != 64 {
		return false
	}
	for i := 0; i < len(h); i++ {
		c := h[i]
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

func checkStatus(method, status string) error {
	if status != "OK" {
		return fmt.Errorf("chain: %s: status %q: %w", method, status, ErrDaemon)
	}
	return nil
}

// jsonRPC calls a method of the daemon's /json_rpc endpoint.
func (c *Client) jsonRPC(ctx context.Context, method string, params, result any) error {
	return c.call(ctx, method, nil, func(ctx context.Context) error { return c.jsonRPCCall(ctx, method, params, result) })
}

func (c *Client) jsonRPCCall(ctx context.Context, method string, params, result any) error {
	req := struct {
		JSONRPC string `json:"jsonrpc"`
		ID      uint64 `json:"id"`
		Method  string `json:"method"`
		Params  any    `json:"params,omitempty"`
	}{"2.0", c.ids.Add(1), method, params}
	var ans struct {
		Result json.RawMessage `json:"result"`
		Error  *struct {
			Code    int    `json:"code"`
			Message string `json:"message"`
		} `json:"error"`
	}
	if err := c.post(ctx, "/json_rpc", method, req, &ans); err != nil {
		return err
	}
	if ans.Error != nil {
		return fmt.Errorf("chain: %s: code %d: %s: %w", method, ans.Error.Code, ans.Error.Message, ErrDaemon)
	}
	if result == nil {
		return nil
	}
	if err := json.Unmarshal(ans.Result, result); err != nil {
		return fmt.Errorf("chain: %s: decode result: %v: %w", method, err, ErrUnavailable)
	}
	return nil
}

// other calls one of the daemon's plain JSON endpoints (/get_height, ...).
func (c *Client) other(ctx context.Context, method string, params, result any) error {
	return c.call(ctx, method, nil, func(ctx context.Context) error { return c.post(ctx, "/"+method, method, params, result) })
}

func (c *Client) post(ctx context.Context, path, method string, body, result any) error {
	b, err := json.Marshal(body)
	if err != nil {
		return fmt.Errorf("chain: %s: encode request: %w", method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, bytes.NewReader(b))
	if err != nil {
		return fmt.Errorf("chain: %s: %w", method, err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		if ctx.Err() != nil {
			return fmt.Errorf("chain: %s: %w", method, ctx.Err())
		}
		return fmt.Errorf("chain: %s: %v: %w", method, err, ErrUnavailable)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return fmt.Errorf("chain: %s: read answer: %v: %w", method, err, ErrUnavailable)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("chain: %s: HTTP %d: %w", method, resp.StatusCode, ErrUnavailable)
	}
	if len(data) > maxAnswer {
		return fmt.Errorf("chain: %s: answer larger than %d bytes: %w", method, maxAnswer, ErrUnavailable)
	}
	if err := json.Unmarshal(data, result); err != nil {
		return fmt.Errorf("chain: %s: decode answer: %v: %w", method, err, ErrUnavailable)
	}
	return nil
}
