package analysis

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// setup describes a hand-made 2-of-3 setup; each field bends one thing so a
// fixture shows one anomaly kind. The zero value is a clean success.
type setup struct {
	id           string
	traceID      string
	start        time.Time
	jitterMS     float64           // added to every call, to tell two successes apart
	multisigPre1 string            // role whose wallet is already multisig at PRE_ROUND1
	sameHashPre1 [2]string         // two roles that show one address at PRE_ROUND1
	swapPre2     string            // role whose PRE_ROUND2 shows another wallet
	finalHash    map[string]string // role -> FINAL address hash override
	notReady     string            // role not ready at FINAL
	drop         map[string]bool   // "role/POINT" snapshots left out
	slow         map[string]float64
	mode         map[string]string // role -> wallet file mode
	retryOpen    string            // role whose first open_wallet fails and is retried
	failAt       *failure          // fail at this role/round/method with failCode/failMsg
	failCode     int
	failMsg      string
	stopAt       *failure // process stops while this call runs: incomplete
	// shared puts the three roles on one wallet server (shared mode): each
	// role opens its wallet before each round's calls.
	shared bool
	// checkFails: the call at failAt answers success and the coordinator's
	// own check of it ends the escrow (ERROR_FINAL with no failed call).
	checkFails bool
}

// builder appends events in time order.
type builder struct {
	f      *escrowtrace.File
	now    float64
	span   int
	shared bool
	// phase is the lifecycle phase of the events added; "" in the setup.
	phase escrow.Phase
}

// endpoint is the wallet server a role's calls go to.
func (b *builder) endpoint(role string) string {
	if b.shared {
		return "127.0.0.1:18100"
	}
	return "127.0.0.1:" + fmt.Sprint(18100+roleRank(role))
}

func (b *builder) add(e escrowtrace.Event) *escrowtrace.Event {
	e.Seq = len(b.f.Events)
	e.OffsetMS = b.now
	if b.phase != "" && b.phase != escrow.PhaseSetup {
		e.Phase = b.phase
	}
	e.Time = b.f.StartedAt.Add(time.Duration(b.now * float64(time.Millisecond)))
	b.f.Events = append(b.f.Events, e)
	return &b.f.Events[len(b.f.Events)-1]
}

func (b *builder) snap(role string, point int, s escrowtrace.Snapshot) {
	b.now += 4
	b.add(escrowtrace.Event{Type: escrow.Point(point).Name(), Role: role, Round: int(escrow.Point(point).Round()), Snapshot: &s})
}

// call records one RPC call; a non-zero code makes it fail.
func (b *builder) call(role string, round int, method string, durMS float64, code int, msg string) {
	b.span++
	id := fmt.Sprintf("%016x", b.span)
	b.now += 2
	b.add(escrowtrace.Event{Type: escrowtrace.EventRPCCallStart, Role: role, Round: round, Method: method,
		Endpoint: b.endpoint(role), SpanID: id})
	b.now += durMS
	d := durMS
	e := escrowtrace.Event{Type: escrowtrace.EventRPCCallEnd, Role: role, Round: round, Method: method,
		Endpoint: b.endpoint(role), SpanID: id, DurationMS: &d}
	if code != 0 {
		c := code
		e.Type = escrowtrace.EventRPCCallError
		e.Error = &escrowtrace.EventError{Code: &c, Message: msg}
	}
	b.add(e)
}

func roleHash(role string) string {
	return map[string]string{roleBuyer: "b0b0b0b0b0b0b0b0", roleVendor: "5e5e5e5e5e5e5e5e", roleArbiter: "a4a4a4a4a4a4a4a4"}[role]
}

const finalHash = "f1f1f1f1f1f1f1f1"

func ptr[T any](v T) *T { return &v }

// baseDur is each method's time per round, about what FACTS.md measured.
func baseDur(method string, round int, role string) float64 {
	v := float64(roleRank(role)) * 3 // the roles differ a little
	switch method {
	case "create_wallet":
		return 3500 + v*5
	case "open_wallet":
		return 2100 + v*5
	case "prepare_multisig":
		return 14 + v
	case "make_multisig":
		return 670 + v*2
	case "exchange_multisig_keys":
		if round == 2 {
			return 120 + v
		}
		return 700 + v*2
	}
	return 10
}

// build runs the setup: create the three wallets, then per round and role
// PRE snapshot, calls, POST snapshot; then FINAL per role.
func (s setup) build() *escrowtrace.File {
	start := s.start
	if start.IsZero() {
		start = time.Date(2025, 1, 2, 3, 4, 5, 0, time.UTC)
	}
	tid := s.traceID
	if tid == "" {
		tid = fmt.Sprintf("%032x", []byte(s.id))[:32]
	}
	b := &builder{f: &escrowtrace.File{
		Schema: escrowtrace.Schema, EscrowID: s.id, TraceID: tid, Service: "escrowd",
		StartedAt: start, Outcome: escrowtrace.OutcomeSuccess, Events: []escrowtrace.Event{},
	}, shared: s.shared}
	// stop returns true when the escrow ends at this call.
	stop := func(role string, round int, method string) bool {
		if s.stopAt != nil && *s.stopAt == (failure{round, role, method}) {
			b.span++
			b.now += 2
			b.add(escrowtrace.Event{Type: escrowtrace.EventRPCCallStart, Role: role, Round: round, Method: method,
				Endpoint: b.endpoint(role), SpanID: fmt.Sprintf("%016x", b.span)})
			b.f.Outcome = escrowtrace.OutcomeIncomplete
			return true
		}
		if s.failAt != nil && *s.failAt == (failure{round, role, method}) {
			if s.checkFails {
				b.call(role, round, method, baseDur(method, round, role), 0, "")
			} else {
				b.call(role, round, method, baseDur(method, round, role)/10, s.failCode, s.failMsg)
			}
			b.now += 1
			b.add(escrowtrace.Event{Type: escrowtrace.EventErrorFinal, Role: role, Round: round,
				Error:   &escrowtrace.EventError{Message: s.failMsg},
				Context: &escrowtrace.ErrorContext{Round: round, Operation: method, WalletID: s.id + "-" + role, EscrowID: s.id}})
			b.f.Outcome = escrowtrace.OutcomeFailed
			b.f.Error = &escrowtrace.FileError{Message: s.failMsg, Role: role, Round: round, Operation: method}
			return true
		}
		d := baseDur(method, round, role) + s.jitterMS + s.slow[role+"/"+method]
		b.call(role, round, method, d, 0, "")
		return false
	}
	snap := func(role string, point int) {
		if s.drop[role+"/"+escrow.Point(point).Short()] {
			return
		}
		mode := "0600"
		if m, ok := s.mode[role]; ok {
			mode = m
		}
		sn := escrowtrace.Snapshot{WalletID: s.id + "-" + role, AddressHash: roleHash(role), WalletFileMode: mode,
			Balance: ptr(uint64(0)), Ready: ptr(false), Threshold: ptr(0), Total: ptr(0)}
		if point >= 1 || role == s.multisigPre1 {
			sn.IsMultisig, sn.Threshold, sn.Total = true, ptr(2), ptr(3)
		}
		if point == 0 && role == s.sameHashPre1[1] {
			sn.AddressHash = roleHash(s.sameHashPre1[0])
		}
		if point == 2 && role == s.swapPre2 {
			sn.AddressHash = "0123456789abcdef"
		}
		if point >= 5 {
			sn.AddressHash, sn.Ready = finalHash, ptr(role != s.notReady)
			if h, ok := s.finalHash[role]; ok && point == 6 {
				sn.AddressHash = h
			}
		}
		b.snap(role, point, sn)
	}
	finish := func() *escrowtrace.File {
		end := start.Add(time.Duration(b.now * float64(time.Millisecond)))
		if b.f.Outcome != escrowtrace.OutcomeIncomplete {
			b.f.EndedAt, b.f.DurationMS = &end, ptr(b.now)
		}
		return b.f
	}

	for _, r := range roleNames() {
		if stop(r, 0, "create_wallet") {
			return finish()
		}
		if r == s.retryOpen {
			b.call(r, 0, "open_wallet", 40, -1, "Failed to open wallet")
			if stop(r, 0, "open_wallet") {
				return finish()
			}
		}
	}
	pre := map[int]int{1: 0, 2: 2, 3: 4}
	post := map[int]int{1: 1, 2: 3, 3: 5}
	for round := 1; round <= 3; round++ {
		for _, r := range roleNames() {
			if s.shared && stop(r, round, "open_wallet") {
				return finish()
			}
			snap(r, pre[round])
			methods := []string{"exchange_multisig_keys"}
			if round == 1 {
				methods = []string{"prepare_multisig", "make_multisig"}
			}
			for _, m := range methods {
				if stop(r, round, m) {
					return finish()
				}
			}
			snap(r, post[round])
		}
	}
	for _, r := range roleNames() {
		snap(r, 6)
	}
	return finish()
}

// fixtures are the hand-made escrows of testdata/fixtures, by file name.
func fixtures() map[string]*escrowtrace.File {
	race := setup{id: "race-b", multisigPre1: roleBuyer, failAt: &failure{1, roleBuyer, "make_multisig"},
		failCode: -28, failMsg: "This wallet is already multisig"}
	unknown := setup{id: "unknown-fields"}.build()
	unknown.Extra = map[string]json.RawMessage{"x_coordinator": json.RawMessage(`{"mode":"leased","build":"dev"}`)}
	unknown.Events[0].Extra = map[string]json.RawMessage{"x_note": json.RawMessage(`"added by a newer writer"`)}
	ping := escrowtrace.Event{Type: "WALLET_PING", Role: roleVendor, Time: unknown.Events[3].Time, OffsetMS: unknown.Events[3].OffsetMS,
		Extra: map[string]json.RawMessage{"latency_ms": json.RawMessage(`3.5`)}}
	unknown.Events = append(unknown.Events[:4], append([]escrowtrace.Event{ping}, unknown.Events[4:]...)...)
	for i := range unknown.Events {
		unknown.Events[i].Seq = i
	}
	return map[string]*escrowtrace.File{
		"success.json":                        setup{id: "ok-a"}.build(),
		"success_b.json":                      setup{id: "ok-b", jitterMS: 3, start: time.Date(2025, 1, 2, 4, 0, 0, 0, time.UTC)}.build(),
		"already_multisig_before_round1.json": race.build(),
		"wrong_wallet_open.json": setup{id: "wrong-wallet", swapPre2: roleVendor, failAt: &failure{2, roleVendor, "exchange_multisig_keys"},
			failCode: -1, failMsg: "Error calling exchange_multisig_info: Messages don't have the expected kex round number."}.build(),
		"wrong_wallet_same_hash.json": setup{id: "same-hash", sameHashPre1: [2]string{roleBuyer, roleArbiter}}.build(),
		"address_mismatch.json":       setup{id: "addr-mismatch", finalHash: map[string]string{roleArbiter: "0f0f0f0f0f0f0f0f"}}.build(),
		"not_ready_at_final.json":     setup{id: "not-ready", notReady: roleArbiter}.build(),
		"rpc_error.json":              setup{id: "rpc-error", retryOpen: roleVendor}.build(),
		"missing_snapshot.json":       setup{id: "missing-snap", drop: map[string]bool{"vendor/PRE_ROUND3": true, "vendor/FINAL": true}}.build(),
		"incomplete_trace.json":       setup{id: "incomplete", stopAt: &failure{2, roleVendor, "exchange_multisig_keys"}}.build(),
		"slow_rpc.json":               setup{id: "slow", slow: map[string]float64{"arbiter/prepare_multisig": 400}}.build(),
		"insecure_wallet_file.json":   setup{id: "insecure", mode: map[string]string{roleBuyer: "0644"}}.build(),
		"unknown_fields.json":         unknown,
	}
}

// The roles by name, as the files spell them.
var (
	roleBuyer   = string(escrow.Buyer)
	roleVendor  = string(escrow.Vendor)
	roleArbiter = string(escrow.Arbiter)
)

func roleNames() []string {
	out := make([]string, 0, len(escrow.Roles))
	for _, r := range escrow.Roles {
		out = append(out, string(r))
	}
	return out
}
