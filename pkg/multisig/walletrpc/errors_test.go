package walletrpc

import (
	"errors"
	"fmt"
	"testing"
)

// TestClassify maps the messages monero-wallet-rpc 0.18 actually sent (captured
// from the real-server tests and probes) to their kinds.
func TestClassify(t *testing.T) {
	tests := []struct {
		code int
		msg  string
		want error
	}{
		{-28, "This wallet is already multisig", ErrAlreadyMultisig},
		{-28, "This wallet is multisig, and already finalized", ErrAlreadyMultisig},
		{-31, "This wallet is not multisig", ErrNotMultisig},
		{-31, "This wallet is multisig, but not yet finalized", ErrMultisigNotReady},
		{-33, "Needs multisig info from more participants", ErrNeedMoreInfo},
		{-48, "This wallet is multisig, and multisig is disabled. Multisig is an experimental feature and may have bugs. " +
			"Things that could go wrong include: funds sent to a multisig wallet can't be spent at all, can only be spent " +
			"with the participation of a malicious group member, or can be stolen by a malicious group member. You can " +
			"enable it by running this once in monero-wallet-cli: set enable-multisig-experimental 1", ErrMultisigDisabled},
		{-1, "Error calling exchange_multisig_info: Messages don't have the expected kex round number.", ErrKexRoundMismatch},
		{-1, "Error calling exchange_multisig_info: A pubkey recommended by multisig kex messages had an unexpected number of recommendations.", ErrKexBadMessage},
		{-1, "Error calling exchange_multisig_info: Multisig post-kex round message origins don't line up with multisig signer set.", ErrKexBadMessage},
		{-1, "Error calling exchange_multisig_info: basic_string::substr: __pos (which is 13) > this->size() (which is 7)", ErrKexBadMessage},
		{-1, "basic_string::substr: __pos (which is 13) > this->size() (which is 7)", ErrKexBadMessage},
		{-1, "Multisig kex msg signature invalid.", ErrKexBadMessage},
		{-1, "Multisig kex msg decoding error.", ErrKexBadMessage},
		{-1, "Message signing key was invalid.", ErrKexBadMessage},
		{-1, "Duplicate signers not allowed when converting a wallet to multisig.", ErrKexBadMessage},
		{-1, "multisig account: tried to set invalid threshold.", ErrKexBadMessage},
		{-1, "Failed to open wallet", ErrOpenFailed},
		{-1, "Invalid filename", ErrInvalidFilename},
		{-1, "Something else entirely", ErrWallet},
		{-21, "Cannot create wallet. Already exists.", ErrWalletExists},
		{-13, "No wallet file", ErrNoWalletOpen},
		{-32601, "Method not found", ErrMethodNotFound},
		{-32602, "Invalid params", ErrInvalidParams},
		{-32700, "Parse error", ErrBadRequest},
		{-32600, "Invalid Request", ErrBadRequest},
		{-35, "Failed to sign multisig tx: This signature was made with stale data", ErrStaleData},
		{-35, "Failed to sign multisig tx: Transaction is already fully signed", ErrAlreadySigned},
		{-35, "Failed to sign multisig tx: something new", ErrWallet},
		{-16, "No transaction created", ErrNoTxCreated},
		{-17, "not enough money", ErrNotEnoughMoney},
		{-37, "not enough unlocked money", ErrNotEnoughMoney},
		// sweep_all on regtest (0.18), captured by pkg/multisig's TestPayoutOnRegtest.
		{-4, "No unlocked balance in the specified account", ErrNotEnoughMoney},
		{-4, "No unlocked balance in the specified subaddress(es)", ErrNotEnoughMoney},
		{-4, "Some other transfer error", ErrWallet},
	}
	for _, tc := range tests {
		t.Run(fmt.Sprintf("%d %.40s", tc.code, tc.msg), func(t *testing.T) {
			if got := Classify(tc.code, tc.msg); got != tc.want {
				t.Fatalf("Classify(%d, %q) = %v, want %v", tc.code, tc.msg, got, tc.want)
			}
			err := error(&Error{Method: "m", Code: tc.code, Message: tc.msg})
			if !errors.Is(err, tc.want) || !errors.Is(err, ErrWallet) {
				t.Fatalf("errors.Is(%v, %v) or ErrWallet is false", err, tc.want)
			}
			if errors.Is(err, ErrUnavailable) || errors.Is(err, ErrUnauthorized) {
				t.Fatal("a wallet answer matches a transport kind")
			}
		})
	}
}

func TestErrorString(t *testing.T) {
	err := &Error{Method: "make_multisig", Endpoint: "127.0.0.1:18083", Code: -28, Message: "This wallet is already multisig"}
	const want = "wallet rpc make_multisig: code -28: This wallet is already multisig"
	if got := err.Error(); got != want {
		t.Fatalf("Error() = %q, want %q", got, want)
	}
	if errors.Is(err, ErrNotMultisig) {
		t.Fatal("-28 matches ErrNotMultisig")
	}
}
