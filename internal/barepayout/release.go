package barepayout

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// Heighter is the daemon call the payer makes before it builds a payout
// (*chain.Client satisfies it).
type Heighter interface {
	GetHeight(ctx context.Context) (uint64, error)
}

// Release is one bare payout: the two signers' wallet files (the first
// builds the sweep, the second checks, signs and submits it), the
// password secret they were created with, and where the money goes.
type Release struct {
	Pool    *walletpool.Pool
	Chain   Heighter
	Secret  []byte
	Wallets [2]string
	Payee   string
}

// Run pays the escrow with the same wallet calls escrowd makes (open,
// refresh, export and import the multisig info, get_balance, sweep_all,
// describe_transfer, sign_multisig, submit_multisig, then the daemon's
// height) and returns when it started and submitted and the transaction
// hashes. The lease is taken before Started; the wallets are closed after
// Submitted.
func (r Release) Run(ctx context.Context) (Result, error) {
	lease, err := r.Pool.Acquire(ctx, 2)
	if err != nil {
		return Result{}, fmt.Errorf("bare payout: lease: %w", err)
	}
	defer lease.Release()
	c := [2]*walletrpc.Client{lease.Servers()[0].Client(), lease.Servers()[1].Client()}
	defer func() {
		for _, cl := range c {
			cl.CloseWallet(context.WithoutCancel(ctx)) //nolint:errcheck // outside the measure; the lease is returned anyway
		}
	}()
	start := time.Now()
	info := make([]string, 2)
	err = both(func(i int) error {
		if err := c[i].OpenWallet(ctx, r.Wallets[i], multisig.WalletPassword(r.Secret, r.Wallets[i])); err != nil {
			return err
		}
		if _, err := c[i].Refresh(ctx); err != nil {
			return err
		}
		var err error
		info[i], err = c[i].ExportMultisigInfo(ctx)
		return err
	})
	if err == nil {
		err = both(func(i int) error {
			if _, err := c[i].ImportMultisigInfo(ctx, []string{info[1-i]}); err != nil {
				return err
			}
			_, err := c[i].GetBalanceInfo(ctx)
			return err
		})
	}
	if err != nil {
		return Result{}, fmt.Errorf("bare payout: %w", err)
	}
	sweep, err := c[0].SweepAll(ctx, r.Payee)
	if err != nil {
		return Result{}, fmt.Errorf("bare payout: sweep_all: %w", err)
	}
	if _, err := c[1].DescribeTransfer(ctx, sweep.MultisigTxSet); err != nil {
		return Result{}, fmt.Errorf("bare payout: describe_transfer: %w", err)
	}
	signed, err := c[1].SignMultisig(ctx, sweep.MultisigTxSet)
	if err != nil {
		return Result{}, fmt.Errorf("bare payout: sign_multisig: %w", err)
	}
	hashes, err := c[1].SubmitMultisig(ctx, signed.TxDataHex)
	if err != nil {
		return Result{}, fmt.Errorf("bare payout: submit_multisig: %w", err)
	}
	if r.Chain != nil { // escrowd asks the height right after submitting
		if _, err := r.Chain.GetHeight(ctx); err != nil {
			return Result{}, fmt.Errorf("bare payout: height: %w", err)
		}
	}
	res := Result{Started: start, Submitted: time.Now(), Hashes: hashes}
	if len(hashes) == 0 {
		return Result{}, errors.New("bare payout: submit_multisig returned no hash")
	}
	return res, nil
}

// Result is one bare payout's times and transactions.
type Result struct {
	// Started is the first wallet call; Submitted is the end of the last
	// one (the daemon's height after submit_multisig).
	Started, Submitted time.Time
	Hashes             []string
}

// Elapsed is the time from the first call to submitted.
func (r Result) Elapsed() time.Duration { return r.Submitted.Sub(r.Started) }

// both runs fn for the two signers at once and joins their errors.
func both(fn func(i int) error) error {
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i := range 2 {
		wg.Add(1)
		go func() { defer wg.Done(); errs[i] = fn(i) }()
	}
	wg.Wait()
	return errors.Join(errs...)
}

// P50 is the median of ds (the upper one of an even count); 0 when empty.
func P50(ds []time.Duration) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.Sort(s)
	return s[len(s)/2]
}
