package escrow_test

import (
	"fmt"

	"github.com/escrowd/escrowd/pkg/escrow"
)

func Example() {
	id := "order-1842"
	file, _ := escrow.FileName(id)
	traceID, _ := escrow.TraceIDFor(id)
	fmt.Println(file, len(traceID))
	for _, s := range escrow.SetupSteps {
		fmt.Printf("%s round=%d call=%s\n", s.Name, s.Round, s.Call)
	}
	signers, _ := escrow.PhaseResolve.Signers(escrow.Buyer)
	fmt.Println("resolve for the buyer is signed by", signers)
	// Output:
	// escrow_order-1842.json 32
	// create_wallets round=0 call=create_wallet
	// prepare round=1 call=prepare_multisig
	// make round=1 call=make_multisig
	// exchange_round2 round=2 call=exchange_multisig_keys
	// exchange_round3 round=3 call=exchange_multisig_keys
	// verify round=3 call=get_address
	// resolve for the buyer is signed by [arbiter buyer]
}
