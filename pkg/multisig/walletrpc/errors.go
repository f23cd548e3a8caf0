package walletrpc

import (
	"errors"
	"fmt"
	"strings"
)

// Kinds of failure. A wallet's answer is an *Error that errors.Is matches
// against its kind and against ErrWallet; transport failures wrap
// ErrUnavailable or ErrUnauthorized. This file is the one place where wallet
// error strings are matched: the rest of escrowd uses errors.Is.
var (
	// ErrAlreadyMultisig: -28, the wallet is already multisig (mid-setup or
	// finalized), e.g. make_multisig or prepare_multisig sent twice.
	ErrAlreadyMultisig = errors.New("wallet is already multisig")
	// ErrNotMultisig: -31, a multisig call on a plain wallet.
	ErrNotMultisig = errors.New("wallet is not multisig")
	// ErrMultisigNotReady: -31, the wallet is multisig but its key exchange
	// is not finished.
	ErrMultisigNotReady = errors.New("multisig wallet is not finalized")
	// ErrNeedMoreInfo: -33, fewer kex messages than the scheme needs.
	ErrNeedMoreInfo = errors.New("multisig needs info from more participants")
	// ErrMultisigDisabled: -48, prepare_multisig was not sent with
	// enable_multisig_experimental in the session that ran make_multisig.
	ErrMultisigDisabled = errors.New("multisig is disabled in this wallet")
	// ErrKexRoundMismatch: -1, kex messages of another round than the
	// wallet's next one (stale or replayed messages).
	ErrKexRoundMismatch = errors.New("multisig kex round mismatch")
	// ErrKexBadMessage: -1, kex messages the wallet rejects: duplicate, own,
	// undecodable or badly signed messages, or an invalid threshold.
	ErrKexBadMessage = errors.New("bad multisig kex message")
	// ErrOpenFailed: -1, open_wallet failed: wrong password, missing file or
	// unreadable cache alike (the server does not tell them apart).
	ErrOpenFailed = errors.New("failed to open wallet")
	// ErrInvalidFilename: -1, a wallet file name the server refuses (e.g. "../x").
	ErrInvalidFilename = errors.New("invalid wallet filename")
	// ErrWalletExists: -21, create_wallet on an existing file.
	ErrWalletExists = errors.New("wallet already exists")
	// ErrNoWalletOpen: -13, the server has no wallet open.
	ErrNoWalletOpen = errors.New("no wallet open")
	// ErrStaleData: -35, sign_multisig refused a transaction set made with
	// multisig info that is no longer current (an import before refresh, an
	// export reused across attempts, monero issue 9843).
	ErrStaleData = errors.New("multisig signature made with stale data")
	// ErrAlreadySigned: -35, the transaction set has all the signatures it needs.
	ErrAlreadySigned = errors.New("multisig transaction already fully signed")
	// ErrImportNeeded: a payout refused because the wallet needs the other
	// signers' multisig info first (import_multisig_info).
	ErrImportNeeded = errors.New("multisig import is needed")
	// ErrNotEnoughMoney: -17 / -37, the wallet cannot pay amount and fee (or not
	// from unlocked funds); -4 "No unlocked balance in the specified account"
	// from sweep_all (measured on regtest: a multisig wallet that imported
	// before refresh sees balance 0).
	ErrNotEnoughMoney = errors.New("not enough money")
	// ErrNoTxCreated: -16, the transaction was not possible.
	ErrNoTxCreated = errors.New("no transaction created")
	// ErrMethodNotFound: -32601.
	ErrMethodNotFound = errors.New("method not found")
	// ErrInvalidParams: -32602, params of the wrong shape.
	ErrInvalidParams = errors.New("invalid params")
	// ErrBadRequest: -32700 / -32600, a request the server could not parse.
	ErrBadRequest = errors.New("bad JSON-RPC request")
	// ErrUnavailable: the server could not be reached or gave no usable
	// answer: connection refused or reset, EOF, non-200 HTTP, bad JSON.
	// Whether the call ran on the server is unknown.
	ErrUnavailable = errors.New("wallet rpc unavailable")
	// ErrUnauthorized: HTTP 401 after the digest exchange (wrong or missing
	// credentials).
	ErrUnauthorized = errors.New("wallet rpc unauthorized")
	// ErrWallet: any error the wallet answered. Every *Error matches it; the
	// ones Classify knows nothing more about match only it.
	ErrWallet = errors.New("wallet rpc error")
)

// Wallet RPC error codes of monero-wallet-rpc 0.18 (wallet_rpc_server_error_codes.h).
const (
	codeUnknown           = -1
	codeTransferError     = -4
	codeNotOpen           = -13
	codeTxNotPossible     = -16
	codeNotEnoughMoney    = -17
	codeWalletExists      = -21
	codeAlreadyMultisig   = -28
	codeNotMultisig       = -31
	codeThresholdNotMet   = -33
	codeMultisigSign      = -35
	codeNotEnoughUnlocked = -37
	codeMultisigDisabled  = -48
	codeParseError        = -32700
	codeInvalidRequest    = -32600
	codeMethodNotFound    = -32601
	codeInvalidParams     = -32602
)

// Error is a JSON-RPC error answered by the wallet server (it answers HTTP 200
// with an error object).
type Error struct {
	Method   string
	Endpoint string // host:port; not in Error(), kept for callers that report it
	Code     int
	Message  string
}

// Error reads e.g. "wallet rpc make_multisig: code -28: This wallet is already multisig".
func (e *Error) Error() string {
	return fmt.Sprintf("wallet rpc %s: code %d: %s", e.Method, e.Code, e.Message)
}

// Unwrap returns the error's kind, from Classify.
func (e *Error) Unwrap() error { return Classify(e.Code, e.Message) }

// Is reports ErrWallet for every wallet answer, so callers can tell "the
// wallet said no" from transport failures without listing kinds.
func (e *Error) Is(target error) bool { return target == ErrWallet }

// kexMessages are the -1 messages (lower case) that reject the kex messages
// themselves. A few are C++ exceptions that escape from message parsing
// (basic_string::substr on a too-short message).
var kexMessages = []string{
	"unexpected number of recommendations", // duplicate or own message
	"kex msg decoding error",
	"kex msg signature invalid",
	"message signing key was invalid",
	"duplicate signers",
	"invalid threshold",
	"don't line up with multisig signer set",
	"basic_string::substr",
}

// Classify maps a wallet's error code and message to one of the kinds above;
// ErrWallet when nothing more specific is known. Codes are coarse (-1 covers
// many failures), so -1 and -31 are told apart by message.
func Classify(code int, message string) error {
	msg := strings.ToLower(message)
	switch code {
	case codeAlreadyMultisig:
		return ErrAlreadyMultisig
	case codeNotMultisig:
		if strings.Contains(msg, "not yet finalized") {
			return ErrMultisigNotReady
		}
		return ErrNotMultisig
	case codeThresholdNotMet:
		return ErrNeedMoreInfo
	case codeMultisigSign:
		if strings.Contains(msg, "fully signed") {
			return ErrAlreadySigned
		}
		if strings.Contains(msg, "stale") {
			return ErrStaleData
		}
		return ErrWallet
	case codeTxNotPossible:
		return ErrNoTxCreated
	case codeNotEnoughMoney, codeNotEnoughUnlocked:
		return ErrNotEnoughMoney
	case codeTransferError:
		if strings.Contains(msg, "no unlocked balance") || strings.Contains(msg, "not enough") {
			return ErrNotEnoughMoney
		}
		return ErrWallet
	case codeMultisigDisabled:
		return ErrMultisigDisabled
	case codeWalletExists:
		return ErrWalletExists
	case codeNotOpen:
		return ErrNoWalletOpen
	case codeMethodNotFound:
		return ErrMethodNotFound
	case codeInvalidParams:
		return ErrInvalidParams
	case codeParseError, codeInvalidRequest:
		return ErrBadRequest
	case codeUnknown:
		return classifyUnknown(msg)
	}
	return ErrWallet
}

// classifyUnknown splits the catch-all code -1 by its (lower-cased) message.
func classifyUnknown(msg string) error {
	switch {
	case strings.Contains(msg, "expected kex round number"):
		return ErrKexRoundMismatch
	case strings.Contains(msg, "failed to open wallet"):
		return ErrOpenFailed
	case strings.Contains(msg, "invalid filename"):
		return ErrInvalidFilename
	case strings.Contains(msg, "import is needed") || strings.Contains(msg, "import_multisig_info"):
		return ErrImportNeeded
	}
	for _, k := range kexMessages {
		if strings.Contains(msg, k) {
			return ErrKexBadMessage
		}
	}
	return ErrWallet
}
