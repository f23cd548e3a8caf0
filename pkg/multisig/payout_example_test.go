package multisig_test

import (
	"context"
	"fmt"

	"github.com/escrowd/escrowd/pkg/chain"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// A release: the buyer builds the transaction, the vendor checks and signs
// it, and the whole balance minus the fee goes to the vendor's address. The
// journal is where a store writes each stage ahead; after a crash, Resume
// takes the last record it kept.
func ExamplePayer_Pay() {
	var (
		pool    *walletpool.Pool // servers started with the daemon's address
		daemon  *chain.Client    // the daemon they use
		secret  []byte           // the master secret the setup used
		wallets map[escrow.Role]string
	)
	journal := multisig.JournalFunc(func(ctx context.Context, escrowID string, rec multisig.PayoutRecord) error {
		// Persist rec (it holds transaction sets: private) before returning.
		return nil
	})
	payer, err := multisig.NewPayer(multisig.PayoutConfig{Pool: pool, Secret: secret, Chain: daemon, Journal: journal})
	if err != nil {
		fmt.Println(err)
		return
	}
	res, err := payer.Pay(context.Background(), multisig.PayoutRequest{
		EscrowID: "order-1842", Phase: escrow.PhaseRelease, PayeeAddress: "4...vendor", Wallets: wallets,
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(res.Payee, res.TxHash, res.Amount, res.Fee)
}
