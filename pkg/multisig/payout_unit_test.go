package multisig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

func TestPayoutTableFollowsPayoutSteps(t *testing.T) {
	for _, ph := range []escrow.Phase{escrow.PhaseRelease, escrow.PhaseRefund, escrow.PhaseResolve} {
		steps := escrow.PayoutSteps(ph)
		table := payoutTable(ph)
		if len(table) != len(steps) {
			t.Fatalf("%s: table has %d steps, escrow.PayoutSteps %d", ph, len(table), len(steps))
		}
		for i := range steps {
			if table[i].Step != steps[i] || table[i].do == nil || table[i].roles == nil {
				t.Errorf("%s step %d: %+v, want %+v with work", ph, i, table[i].Step, steps[i])
			}
		}
	}
}

func TestPayoutRequestValidate(t *testing.T) {
	ok := PayoutRequest{EscrowID: "e1", Phase: escrow.PhaseRelease, PayeeAddress: "4addr"}
	tests := []struct {
		name string
		mod  func(*PayoutRequest)
		want string
	}{
		{"ok", func(*PayoutRequest) {}, ""},
		{"resolve for the buyer", func(r *PayoutRequest) { r.Phase, r.Winner = escrow.PhaseResolve, escrow.Buyer }, ""},
		{"bad id", func(r *PayoutRequest) { r.EscrowID = "../x" }, "escrow invalid id"},
		{"setup is no payout", func(r *PayoutRequest) { r.Phase = escrow.PhaseSetup }, "not release, refund or resolve"},
		{"resolve without winner", func(r *PayoutRequest) { r.Phase = escrow.PhaseResolve }, "needs a winner"},
		{"resolve for the arbiter", func(r *PayoutRequest) { r.Phase, r.Winner = escrow.PhaseResolve, escrow.Arbiter }, "needs a winner"},
		{"release with a winner", func(r *PayoutRequest) { r.Winner = escrow.Buyer }, "only resolve has a winner"},
		{"no address", func(r *PayoutRequest) { r.PayeeAddress = "" }, "no payee address"},
		{"missing wallet", func(r *PayoutRequest) { r.Wallets = map[escrow.Role]string{escrow.Buyer: "b", escrow.Vendor: "v"} }, "no wallet for arbiter"},
	}
	for _, tt := range tests {
		r := ok
		tt.mod(&r)
		err := r.Validate()
		if (tt.want == "") != (err == nil) || (err != nil && (!strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrInvalidPayout))) {
			t.Errorf("%s: Validate() = %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestCheckDescription(t *testing.T) {
	const payee = "4payee"
	one := func(amount, fee, change uint64, addrs ...string) []walletrpc.TxDescription {
		d := walletrpc.TxDescription{Fee: fee, ChangeAmount: change}
		for _, a := range addrs {
			d.Recipients = append(d.Recipients, walletrpc.Destination{Address: a, Amount: amount / uint64(len(addrs))})
		}
		return []walletrpc.TxDescription{d}
	}
	tests := []struct {
		name                 string
		desc                 []walletrpc.TxDescription
		amount, fee, balance uint64
		want                 string
	}{
		{"whole balance to the payee", one(990, 10, 0, payee), 990, 10, 1000, ""},
		{"empty set", nil, 990, 10, 1000, "no transaction"},
		{"another address", one(990, 10, 0, "4thief"), 990, 10, 1000, "another address"},
		{"split with another address", one(990, 10, 0, payee, "4thief"), 990, 10, 1000, "another address"},
		{"change leaves", one(500, 10, 490, payee), 500, 10, 1000, "of change"},
		{"amount differs from the builder's", one(980, 10, 0, payee), 990, 10, 1000, "the builder said"},
		{"not the whole balance", one(900, 10, 0, payee), 900, 10, 1000, "the balance is 1000"},
	}
	for _, tt := range tests {
		err := checkDescription(tt.desc, payee, tt.amount, tt.fee, tt.balance)
		if (tt.want == "") != (err == nil) || (err != nil && (!strings.Contains(err.Error(), tt.want) || !errors.Is(err, ErrTxSetMismatch))) {
			t.Errorf("%s: %v, want %q", tt.name, err, tt.want)
		}
	}
}

func TestPayoutErrorNamesWhere(t *testing.T) {
	err := error(&PayoutError{EscrowID: "e1", Phase: escrow.PhaseRelease, Step: "sign", Role: escrow.Vendor, Operation: "sign_multisig",
		Err: &walletrpc.Error{Method: "sign_multisig", Code: -35, Message: "Failed to sign multisig tx: This signature was made with stale data"}})
	if got, want := err.Error(), "escrow e1: release: sign: vendor: sign_multisig: wallet rpc sign_multisig: code -35:"; !strings.HasPrefix(got, want) {
		t.Errorf("Error() = %q, want prefix %q", got, want)
	}
	if !errors.Is(err, walletrpc.ErrStaleData) {
		t.Error("PayoutError hides its cause")
	}
	if k, _ := walletrpc.KindOf(err); k != escrow.KindStaleData {
		t.Errorf("kind %q", k)
	}
}

// TestKindOfPayoutErrors: a payout's failures have the kinds the trace and
// the store switch on: the payer's own checks, a lease, and the wallet's
// answers through the PayoutError.
func TestKindOfPayoutErrors(t *testing.T) {
	pe := func(op string, err error) error {
		return &PayoutError{EscrowID: "e", Phase: escrow.PhaseRelease, Step: "x", Operation: op, Err: err}
	}
	tests := []struct {
		err  error
		want escrow.Kind
	}{
		{pe("get_balance", fmt.Errorf("%w: a, b", ErrBalanceMismatch)), escrow.KindBalanceMismatch},
		{pe("get_balance", ErrNotFunded), escrow.KindNotEnoughMoney},
		{fmt.Errorf("%w: phase", ErrInvalidPayout), escrow.KindInvalidEscrow},
		{pe("lease", context.DeadlineExceeded), escrow.KindNoServer},
		{pe("lease", context.Canceled), escrow.KindCanceled},
		{pe("sign_multisig", &walletrpc.Error{Code: -35, Message: "Failed to sign multisig tx: This signature was made with stale data"}), escrow.KindStaleData},
		{pe("journal", errors.New("disk full")), escrow.KindOther},
	}
	for _, tt := range tests {
		if got := KindOf(tt.err); got != tt.want {
			t.Errorf("KindOf(%v) = %s, want %s", tt.err, got, tt.want)
		}
	}
}
