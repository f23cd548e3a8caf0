package analysis

import (
	"reflect"
	"slices"
	"testing"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

func TestRootCause(t *testing.T) {
	const alreadyMsg = "This wallet is already multisig"
	makeFails := &failure{1, roleVendor, "make_multisig"}
	exchangeFails := &failure{2, roleVendor, "exchange_multisig_keys"}
	tests := []struct {
		name string
		f    *escrowtrace.File
		want Kind
	}{
		{"success", setup{id: "ok"}.build(), ""},
		{"success with anomalies", setup{id: "mismatch", finalHash: map[string]string{roleArbiter: "0f0f0f0f0f0f0f0f"}}.build(), ""},
		{"incomplete", setup{id: "stopped", stopAt: exchangeFails}.build(), ""},
		{"polluted wallet before round 1", fixtures()["already_multisig_before_round1.json"], KindAlreadyMultisigBeforeRound1},
		{"another wallet between rounds", fixtures()["wrong_wallet_open.json"], KindWrongWalletOpen},
		{"already multisig, own servers: only the symptom",
			setup{id: "own", failAt: makeFails, failCode: -28, failMsg: alreadyMsg}.build(), KindRPCError},
		{"already multisig on a shared server after a snapshot saw it plain",
			setup{id: "shared-28", shared: true, failAt: makeFails, failCode: -28, failMsg: alreadyMsg}.build(), KindWrongWalletOpen},
		{"not multisig on a shared server after a snapshot saw it multisig",
			setup{id: "shared-31", shared: true, failAt: exchangeFails, failCode: -31, failMsg: "This wallet is not multisig"}.build(), KindWrongWalletOpen},
		{"kex messages refused as duplicates on a shared server",
			setup{id: "shared-dup", shared: true, failAt: exchangeFails, failCode: -1,
				failMsg: "Error calling exchange_multisig_info: A pubkey recommended by multisig kex messages had an unexpected number of recommendations."}.build(), KindWrongWalletOpen},
		{"kex messages of another round on a shared server",
			setup{id: "shared-round", shared: true, failAt: exchangeFails, failCode: -1,
				failMsg: "Error calling exchange_multisig_info: Messages don't have the expected kex round number."}.build(), KindWrongWalletOpen},
		{"open_wallet of the escrow's own wallet fails on a shared server",
			setup{id: "shared-open", shared: true, failAt: &failure{2, roleArbiter, "open_wallet"}, failCode: -1, failMsg: "Failed to open wallet"}.build(), KindWrongWalletOpen},
		{"the coordinator refuses a duplicate kex message on a shared server",
			setup{id: "shared-check", shared: true, failAt: makeFails, checkFails: true, failMsg: "bad kex message"}.build(), KindWrongWalletOpen},
		{"no wallet open on a shared server: no contradiction",
			setup{id: "shared-13", shared: true, failAt: exchangeFails, failCode: -13, failMsg: "No wallet file"}.build(), KindRPCError},
		{"a check fails on own servers: nothing named",
			setup{id: "own-check", failAt: makeFails, checkFails: true, failMsg: "bad kex message"}.build(), ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := RootCause(tt.f); got != tt.want {
				var kinds []Kind
				for _, an := range Analyze(tt.f, Options{}).Anomalies {
					kinds = append(kinds, an.Kind)
				}
				t.Errorf("RootCause = %q, want %q (anomalies %v)", got, tt.want, kinds)
			}
		})
	}
}

// A wrong_wallet_open found from a call is named beside its rpc_error,
// never instead of it, with the evidence and the fix.
func TestWrongWalletBesideRPCError(t *testing.T) {
	f := setup{id: "shared-28", shared: true, failAt: &failure{1, roleVendor, "make_multisig"}, failCode: -28,
		failMsg: "This wallet is already multisig"}.build()
	a := Analyze(f, Options{})
	var kinds []Kind
	var ww *Anomaly
	for i, an := range a.Anomalies {
		kinds = append(kinds, an.Kind)
		if an.Kind == KindWrongWalletOpen {
			ww = &a.Anomalies[i]
		}
	}
	if !slices.Contains(kinds, KindRPCError) || ww == nil {
		t.Fatalf("anomalies %v, want rpc_error and wrong_wallet_open", kinds)
	}
	want := "make_multisig answered already multisig, yet SNAPSHOT_PRE_ROUND1 at #"
	if ww.Role != roleVendor || ww.Round != 1 || ww.Seq == nil || len(ww.Message) < len(want) || ww.Message[:len(want)] != want ||
		ww.Cause != wrongWalletCause || ww.Hint != wrongWalletHint {
		t.Errorf("wrong_wallet_open = %+v", *ww)
	}
}

// finalKind derives an ERROR_FINAL's kind from the file when the file does
// not record it.
func TestFinalKind(t *testing.T) {
	end := func(seq int, typ, method string, code int) escrowtrace.Event {
		e := escrowtrace.Event{Seq: seq, Type: typ, Role: roleBuyer, Round: 1, Method: method}
		if code != 0 {
			e.Error = &escrowtrace.EventError{Code: &code, Message: "This wallet is already multisig"}
		}
		return e
	}
	final := func(seq int, op string) escrowtrace.Event {
		return escrowtrace.Event{Seq: seq, Type: escrowtrace.EventErrorFinal, Role: roleBuyer, Round: 1,
			Error: &escrowtrace.EventError{Message: "escrow x: buyer: round 1: " + op + ": ..."}, Context: &escrowtrace.ErrorContext{Operation: op}}
	}
	tests := []struct {
		name   string
		events []escrowtrace.Event
		want   escrow.Kind
	}{
		{"the wallet's answer", []escrowtrace.Event{end(0, escrowtrace.EventRPCCallError, "make_multisig", -28), final(1, "make_multisig")}, escrow.KindAlreadyMultisig},
		{"is_multisig disagreed", []escrowtrace.Event{end(0, escrowtrace.EventRPCCallEnd, "make_multisig", 0), end(1, escrowtrace.EventRPCCallEnd, "is_multisig", 0), final(2, "is_multisig")}, escrow.KindUnexpectedState},
		{"a message refused", []escrowtrace.Event{end(0, escrowtrace.EventRPCCallEnd, "make_multisig", 0), final(1, "make_multisig")}, escrow.KindBadKexMessage},
		{"nothing to tell", []escrowtrace.Event{final(0, "lease")}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := finalKind(tt.events, &tt.events[len(tt.events)-1]); got != tt.want {
				t.Errorf("finalKind = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestRecordedKindIsRead fails once the decoder carries error.kind
// (EventError.Kind) and recordedErrorKind still ignores it.
func TestRecordedKindIsRead(t *testing.T) {
	var e escrowtrace.EventError
	f := reflect.ValueOf(&e).Elem().FieldByName("Kind")
	if !f.IsValid() {
		t.Skip("EventError has no Kind field on this branch: kinds are derived")
	}
	f.SetString(string(escrow.KindKexRoundMismatch))
	e.Message = "This wallet is already multisig"
	if got := recordedErrorKind(&e); got != escrow.KindKexRoundMismatch {
		t.Errorf("recordedErrorKind = %q: the file's error.kind is not read", got)
	}
}
