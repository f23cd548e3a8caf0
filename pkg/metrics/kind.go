package metrics

import (
	"errors"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// coordinatorKinds are the kinds of the coordinator's own errors; the
// wallet's kinds come from walletrpc.KindOf, the one table of those.
var coordinatorKinds = []struct {
	err  error
	kind escrow.Kind
}{
	{multisig.ErrUnexpectedState, escrow.KindUnexpectedState},
	{multisig.ErrAddressMismatch, escrow.KindAddressMismatch},
	{multisig.ErrBadKexMessage, escrow.KindBadKexMessage},
	{multisig.ErrInvalidEscrow, escrow.KindInvalidEscrow},
	{walletpool.ErrQueueFull, escrow.KindNoServer},
	{walletpool.ErrPoolClosed, escrow.KindNoServer},
}

// kindOf is the failure kind of a phase's error: "" for none.
func kindOf(err error) escrow.Kind {
	if err == nil {
		return ""
	}
	for _, k := range coordinatorKinds {
		if errors.Is(err, k.err) {
			return k.kind
		}
	}
	if k, ok := walletrpc.KindOf(err); ok {
		return k
	}
	return escrow.KindOther
}
