package escrow

// Kind names a failure by what went wrong, in a few stable words: the value of
// a span's escrow.error.kind, of a trace file's error.kind and of the store's
// failure column, switched on by the analyzer and counted in metrics. The
// wallet server's kinds are assigned in one place, by its error code and
// message (pkg/multisig/walletrpc); the coordinator's own kinds by the
// coordinator.
type Kind string

// Kinds of the wallet server's answers and of the transport to it.
const (
	KindAlreadyMultisig  Kind = "already_multisig"   // -28
	KindNotMultisig      Kind = "not_multisig"       // -31 on a plain wallet
	KindMultisigNotReady Kind = "multisig_not_ready" // -31, kex not finished
	KindNeedMoreInfo     Kind = "need_more_info"     // -33
	KindMultisigDisabled Kind = "multisig_disabled"  // -48
	KindKexRoundMismatch Kind = "kex_round_mismatch" // -1, messages of another round
	KindKexBadMessage    Kind = "kex_bad_message"    // -1, duplicate/own/undecodable messages
	KindOpenFailed       Kind = "open_failed"        // -1 Failed to open wallet
	KindInvalidFilename  Kind = "invalid_filename"   // -1 Invalid filename
	KindWalletExists     Kind = "wallet_exists"      // -21
	KindNoWalletOpen     Kind = "no_wallet_open"     // -13
	KindStaleData        Kind = "stale_data"         // -35 signature made with stale data
	KindAlreadySigned    Kind = "already_signed"     // -35 transaction already fully signed
	KindImportNeeded     Kind = "import_needed"      // a payout refused: multisig import is needed
	KindNotEnoughMoney   Kind = "not_enough_money"   // the wallet cannot pay the amount and fee
	KindNoTxCreated      Kind = "no_tx_created"      // -16
	KindMethodNotFound   Kind = "method_not_found"   // -32601
	KindInvalidParams    Kind = "invalid_params"     // -32602
	KindBadRequest       Kind = "bad_request"        // -32700 / -32600
	KindWalletError      Kind = "wallet_error"       // any other answer of the wallet
	KindUnavailable      Kind = "unavailable"        // no usable answer: refused, reset, bad HTTP
	KindUnauthorized     Kind = "unauthorized"       // HTTP 401 after the digest exchange
	KindTimeout          Kind = "timeout"            // the call's deadline passed
	KindCanceled         Kind = "canceled"           // the caller gave up
)

// Kinds of the coordinator's own checks.
const (
	KindUnexpectedState Kind = "unexpected_state" // a step answered success, is_multisig disagrees
	KindAddressMismatch Kind = "address_mismatch" // the wallets ended with different addresses
	KindBadKexMessage   Kind = "bad_kex_message"  // a message the coordinator won't send on
	KindBalanceMismatch Kind = "balance_mismatch" // payout signers disagree on the balance
	KindNoServer        Kind = "no_server"        // no wallet server could be leased in time
	KindInvalidEscrow   Kind = "invalid_escrow"   // the escrow can't be run as given
	KindOther           Kind = "other"            // none of the above
)

func (k Kind) String() string { return string(k) }
