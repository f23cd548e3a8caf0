package walletrpc

import (
	"context"
	"errors"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// kinds names each error kind of this package once, most specific first:
// the one table that spans, the store, metrics and the analyzer use (through
// KindOf and KindOfAnswer), so that no one else matches wallet messages.
var kinds = []struct {
	err  error
	kind escrow.Kind
}{
	{ErrAlreadyMultisig, escrow.KindAlreadyMultisig},
	{ErrNotMultisig, escrow.KindNotMultisig},
	{ErrMultisigNotReady, escrow.KindMultisigNotReady},
	{ErrNeedMoreInfo, escrow.KindNeedMoreInfo},
	{ErrMultisigDisabled, escrow.KindMultisigDisabled},
	{ErrKexRoundMismatch, escrow.KindKexRoundMismatch},
	{ErrKexBadMessage, escrow.KindKexBadMessage},
	{ErrOpenFailed, escrow.KindOpenFailed},
	{ErrInvalidFilename, escrow.KindInvalidFilename},
	{ErrWalletExists, escrow.KindWalletExists},
	{ErrNoWalletOpen, escrow.KindNoWalletOpen},
	{ErrStaleData, escrow.KindStaleData},
	{ErrAlreadySigned, escrow.KindAlreadySigned},
	{ErrImportNeeded, escrow.KindImportNeeded},
	{ErrNotEnoughMoney, escrow.KindNotEnoughMoney},
	{ErrNoTxCreated, escrow.KindNoTxCreated},
	{ErrMethodNotFound, escrow.KindMethodNotFound},
	{ErrInvalidParams, escrow.KindInvalidParams},
	{ErrBadRequest, escrow.KindBadRequest},
	{ErrUnavailable, escrow.KindUnavailable},
	{ErrUnauthorized, escrow.KindUnauthorized},
	{ErrWallet, escrow.KindWalletError},
}

// KindOf names err's kind: a wallet answer by its code and message, a
// transport failure, a deadline or a cancellation. ok is false for an error
// that did not come from a wallet call.
func KindOf(err error) (k escrow.Kind, ok bool) {
	switch {
	case err == nil:
		return "", false
	case errors.Is(err, context.DeadlineExceeded):
		return escrow.KindTimeout, true
	case errors.Is(err, context.Canceled):
		return escrow.KindCanceled, true
	}
	for _, e := range kinds {
		if errors.Is(err, e.err) {
			return e.kind, true
		}
	}
	return "", false
}

// KindOfAnswer names the kind of a wallet's error answer from its code and
// message alone: for readers of traces that recorded the answer but not its
// kind (files of other producers, or of older escrowd versions).
func KindOfAnswer(code int, message string) escrow.Kind {
	k, _ := KindOf(Classify(code, message))
	return k
}
