package analysis

import (
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// The analyzer never reads a wallet's error message itself: a failure is
// switched on by its kind, which the file records (error.kind) or, for files
// of other producers and older versions, walletrpc derives from the answer's
// code and message, the one place where wallet messages are matched.

// callKind is the failure kind of an RPC_CALL_ERROR; "" for other events.
func callKind(e *escrowtrace.Event) escrow.Kind {
	if e == nil || e.Error == nil || e.Type != escrowtrace.EventRPCCallError {
		return ""
	}
	if k := recordedKind(e.Error); k != "" {
		return k
	}
	code := 0
	if e.Error.Code != nil {
		code = *e.Error.Code
	}
	return walletrpc.KindOfAnswer(code, e.Error.Message)
}

// finalKind is the kind of an escrow's ERROR_FINAL: the one the file records;
// else the kind of the role's failed call of that operation (the wallet's
// answer that ended the escrow); else, when that operation's last call of the
// role answered success, the coordinator's own check refused what it got:
// unexpected_state after is_multisig, bad_kex_message after a kex step.
// "" when the file does not tell.
func finalKind(events []escrowtrace.Event, final *escrowtrace.Event) escrow.Kind {
	if final == nil || final.Type != escrowtrace.EventErrorFinal {
		return ""
	}
	if final.Error != nil {
		if k := recordedKind(final.Error); k != "" {
			return k
		}
	}
	op := ""
	if final.Context != nil {
		op = final.Context.Operation
	}
	for i := len(events) - 1; i >= 0; i-- {
		e := &events[i]
		if e.Seq >= final.Seq || e.Role != final.Role || (op != "" && e.Method != op) {
			continue
		}
		switch e.Type {
		case escrowtrace.EventRPCCallError:
			return callKind(e)
		case escrowtrace.EventRPCCallEnd:
			switch {
			case op == "is_multisig":
				return escrow.KindUnexpectedState
			case isKexCall(op):
				return escrow.KindBadKexMessage
			}
			return ""
		}
	}
	return ""
}

// recordedKind is the kind the file recorded for an error, "" when it has
// none. The decoder of pkg/escrowtrace carries error.kind from the file (see
// the contract); this accessor is the analyzer's only reader of it.
func recordedKind(e *escrowtrace.EventError) escrow.Kind {
	return recordedErrorKind(e)
}

// isKexCall reports whether method does a key-exchange step's work
// (prepare_multisig, make_multisig, exchange_multisig_keys): the calls whose
// output the coordinator checks before sending it on.
func isKexCall(method string) bool {
	for _, s := range escrow.SetupSteps {
		if s.Round.Valid() && s.After != escrow.PointFinal && s.Call == method {
			return true
		}
	}
	return false
}
