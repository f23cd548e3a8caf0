package chain

import (
	"context"
	"errors"
	"fmt"
	"sync"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// CoinbaseUnlock is how many blocks a coinbase output waits before it can be
// spent (CRYPTONOTE_MINED_MONEY_UNLOCK_WINDOW).
const CoinbaseUnlock = 60

// SpendableAge is how many blocks a transaction's outputs wait before they
// can be spent (CRYPTONOTE_DEFAULT_TX_SPENDABLE_AGE): what "funded" waits for.
const SpendableAge = 10

// Faucet is a regtest dev faucet: a plain wallet, on a wallet server of its
// own connected to the daemon, that owns mined coinbase and pays it out. It
// exists on regtest only: every operation checks the daemon's network first.
// Its methods are safe for concurrent use; calls are serialised (the wallet
// server serves one request at a time).
type Faucet struct {
	daemon  *Client
	wallet  *walletrpc.Client
	address string
	mu      sync.Mutex
}

// FaucetConfig configures a Faucet.
type FaucetConfig struct {
	// Daemon is the regtest daemon the wallet server is connected to.
	Daemon *Client
	// Wallet is a client of the faucet's own wallet server (started with
	// the daemon's address). The faucet opens its wallet there and keeps it open.
	Wallet *walletrpc.Client
	// WalletName and Password name the faucet's wallet file; it is created
	// when missing.
	WalletName, Password string
}

// NewFaucet opens (or creates) the faucet's wallet on a regtest daemon. It
// mines nothing: call Prime to give it spendable coins.
func NewFaucet(ctx context.Context, cfg FaucetConfig) (*Faucet, error) {
	if cfg.Daemon == nil || cfg.Wallet == nil {
		return nil, errors.New("chain: faucet: Daemon and Wallet are required")
	}
	if cfg.WalletName == "" {
		return nil, errors.New("chain: faucet: WalletName is required")
	}
	if err := requireRegtest(ctx, cfg.Daemon); err != nil {
		return nil, fmt.Errorf("chain: faucet: %w", err)
	}
	err := cfg.Wallet.OpenWallet(ctx, cfg.WalletName, cfg.Password)
	if errors.Is(err, walletrpc.ErrOpenFailed) {
		err = cfg.Wallet.CreateWallet(ctx, cfg.WalletName, cfg.Password)
	}
	if err != nil {
		return nil, fmt.Errorf("chain: faucet wallet %s: %w", cfg.WalletName, err)
	}
	addr, err := cfg.Wallet.GetAddress(ctx)
	if err != nil {
		return nil, fmt.Errorf("chain: faucet wallet address: %w", err)
	}
	return &Faucet{daemon: cfg.Daemon, wallet: cfg.Wallet, address: addr}, nil
}

// Address is the faucet wallet's address, where its mined coinbase goes.
func (f *Faucet) Address() string { return f.address }

// Mine mines n blocks (coinbase to the faucet) and returns the new height:
// on regtest, this is how time passes for confirmations and unlocks.
func (f *Faucet) Mine(ctx context.Context, n int) (uint64, error) {
	h, err := f.daemon.GenerateBlocks(ctx, n, f.address)
	if err != nil {
		return 0, fmt.Errorf("chain: faucet: mine %d blocks: %w", n, err)
	}
	return h, nil
}

// Balance refreshes the faucet's wallet and returns its balance.
func (f *Faucet) Balance(ctx context.Context) (walletrpc.BalanceInfo, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.wallet.Refresh(ctx); err != nil {
		return walletrpc.BalanceInfo{}, fmt.Errorf("chain: faucet: refresh: %w", err)
	}
	b, err := f.wallet.GetBalanceInfo(ctx)
	if err != nil {
		return walletrpc.BalanceInfo{}, fmt.Errorf("chain: faucet: balance: %w", err)
	}
	return b, nil
}

// Prime makes sure the faucet can pay: when fewer than outputs blocks'
// worth of coinbase is unlocked, it mines outputs blocks to itself and then
// CoinbaseUnlock more so that they unlock. Each mined block is one output,
// and every payment locks its change for SpendableAge blocks, so outputs
// bounds how many payments can go out between two rounds of mining.
func (f *Faucet) Prime(ctx context.Context, outputs int) error {
	if outputs <= 0 {
		return fmt.Errorf("chain: faucet: prime %d outputs: want at least 1", outputs)
	}
	if _, err := f.Mine(ctx, outputs+CoinbaseUnlock); err != nil {
		return err
	}
	b, err := f.Balance(ctx)
	if err != nil {
		return err
	}
	if b.UnlockedBalance == 0 {
		return fmt.Errorf("chain: faucet: no unlocked balance after mining %d blocks", outputs+CoinbaseUnlock)
	}
	return nil
}

// Pay sends amount (atomic units) to address and returns the transaction's
// hash. The payment is in the pool: mine SpendableAge blocks for it to be
// spendable by its receiver.
func (f *Faucet) Pay(ctx context.Context, address string, amount uint64) (string, error) {
	if amount == 0 {
		return "", errors.New("chain: faucet: pay 0: want a positive amount")
	}
	if address == "" {
		return "", errors.New("chain: faucet: pay: no address")
	}
	if err := requireRegtest(ctx, f.daemon); err != nil {
		return "", fmt.Errorf("chain: faucet: %w", err)
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if _, err := f.wallet.Refresh(ctx); err != nil {
		return "", fmt.Errorf("chain: faucet: refresh: %w", err)
	}
	res, err := f.wallet.Transfer(ctx, []walletrpc.Destination{{Amount: amount, Address: address}})
	if err != nil {
		return "", fmt.Errorf("chain: faucet: pay %d: %w", amount, err)
	}
	return res.TxHash, nil
}

func requireRegtest(ctx context.Context, c *Client) error {
	info, err := c.GetInfo(ctx)
	if err != nil {
		return err
	}
	if !info.Regtest() {
		return fmt.Errorf("%w (network %s)", ErrNotRegtest, info.Nettype)
	}
	return nil
}
