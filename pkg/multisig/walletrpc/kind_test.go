package walletrpc

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
)

func TestKindOf(t *testing.T) {
	tests := []struct {
		err  error
		want escrow.Kind
		ok   bool
	}{
		{&Error{Method: "make_multisig", Code: -28, Message: "This wallet is already multisig"}, escrow.KindAlreadyMultisig, true},
		{fmt.Errorf("step: %w", &Error{Code: -35, Message: "Failed to sign multisig tx: This signature was made with stale data"}), escrow.KindStaleData, true},
		{&Error{Code: -1, Message: "Failed to open wallet"}, escrow.KindOpenFailed, true},
		{&Error{Code: -99, Message: "new"}, escrow.KindWalletError, true},
		{fmt.Errorf("%w: connection refused", ErrUnavailable), escrow.KindUnavailable, true},
		{ErrUnauthorized, escrow.KindUnauthorized, true},
		{fmt.Errorf("call: %w", context.DeadlineExceeded), escrow.KindTimeout, true},
		{context.Canceled, escrow.KindCanceled, true},
		{errors.New("lease: queue full"), "", false},
		{nil, "", false},
	}
	for _, tt := range tests {
		got, ok := KindOf(tt.err)
		if got != tt.want || ok != tt.ok {
			t.Errorf("KindOf(%v) = %q, %v; want %q, %v", tt.err, got, ok, tt.want, tt.ok)
		}
	}
}

// TestEveryKindNamed: every sentinel of the package has its kind, so a new
// sentinel cannot be forgotten in the table.
func TestEveryKindNamed(t *testing.T) {
	seen := map[escrow.Kind]bool{}
	for _, e := range kinds {
		if seen[e.kind] {
			t.Errorf("kind %q named twice", e.kind)
		}
		seen[e.kind] = true
		if k, ok := KindOf(fmt.Errorf("wrapped: %w", e.err)); !ok || k != e.kind {
			t.Errorf("KindOf(%v) = %q, want %q", e.err, k, e.kind)
		}
	}
}

func TestKindOfAnswer(t *testing.T) {
	if got := KindOfAnswer(-28, "This wallet is already multisig"); got != escrow.KindAlreadyMultisig {
		t.Errorf("got %q", got)
	}
	if got := KindOfAnswer(-1, "Error calling exchange_multisig_info: Messages don't have the expected kex round number."); got != escrow.KindKexRoundMismatch {
		t.Errorf("got %q", got)
	}
}
