package multisig

import (
	"context"
	"fmt"
	"strings"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// kexPrefix starts every first-round multisig message of wallet 0.18.
const kexPrefix = "MultisigxV2R1"

// setupState is what the setup's steps hand on from one to the next: each
// role's message of each step (index i is escrow.Roles[i]).
type setupState struct {
	escrowID  string
	secret    []byte   // the master secret wallet passwords come from
	reserve   *Reserve // nil without a reserve
	prepared  []string // prepare_multisig: the first kex messages
	made      []string // make_multisig: round 1's messages
	exchanged []string // round 2's messages
	kexAddr   []string // the address round 3 gave each wallet
	addrs     []string // the address each wallet reports at the end
}

func newSetupState(escrowID string, secret []byte, reserve *Reserve) *setupState {
	return &setupState{
		escrowID: escrowID, secret: secret, reserve: reserve,
		prepared: make([]string, escrow.Participants), made: make([]string, escrow.Participants),
		exchanged: make([]string, escrow.Participants), kexAddr: make([]string, escrow.Participants),
		addrs: make([]string, escrow.Participants),
	}
}

// setupStep is one row of the setup's table: a step of escrow.SetupSteps and
// how each role does it.
type setupStep struct {
	escrow.Step
	// stage is the span (Observer.StartPhase) the step runs in; consecutive
	// steps of one stage share it.
	stage Phase
	// do is the role's work between the step's Before and After snapshots.
	do func(ctx context.Context, st *setupState, i int, s *session) error
	// want, when set, is the state is_multisig must show after do; the
	// wallet is stored first (see session.store).
	want func(walletrpc.MultisigStatus) bool
	// check, when set, runs once every role has done the step: the
	// coordinator's own checks of what the roles produced. The check of a
	// stage's last step runs after the stage's span has ended.
	check func(step *escrow.Step, st *setupState, ss []*session) error
}

// setupTable is the 2-of-3 setup, one row per escrow.SetupSteps entry, in
// that order. A step starts for a role only when every role finished the one
// before (in shared and global-lock modes, the roles take turns).
var setupTable = [len(escrow.SetupSteps)]setupStep{
	{Step: escrow.SetupSteps[0], stage: PhaseCreateWallets, do: createWallet},
	{Step: escrow.SetupSteps[1], stage: PhaseRound1, do: prepare,
		check: messages(func(st *setupState) []string { return st.prepared }, kexPrefix)},
	{Step: escrow.SetupSteps[2], stage: PhaseRound1, do: makeMultisig, want: inKex,
		check: messages(func(st *setupState) []string { return st.made }, "")},
	{Step: escrow.SetupSteps[3], stage: PhaseRound2, do: exchange(escrow.Round2), want: inKex,
		check: messages(func(st *setupState) []string { return st.exchanged }, "")},
	{Step: escrow.SetupSteps[4], stage: PhaseRound3, do: exchange(escrow.Round3), want: ready2of3},
	{Step: escrow.SetupSteps[5], stage: PhaseVerify, do: verify, check: sameAddress},
}

// setup runs the setup's table on sessions that are already the escrow's.
func (c *Coordinator) setup(ctx context.Context, e Escrow, ss []*session) (Result, error) {
	st := newSetupState(e.ID, c.cfg.Secret, c.cfg.Reserve)
	if err := c.runSteps(ctx, setupTable[:], st, ss); err != nil {
		return Result{}, err
	}
	res := Result{Address: st.addrs[0], Wallets: make(map[escrow.Role]string, escrow.Participants)}
	for _, s := range ss {
		res.Wallets[s.role] = s.wallet
	}
	return res, nil
}

// runSteps runs a protocol's table: step after step, each for every role
// (at once on leased servers, in turn on a shared one), inside the spans of
// the steps' stages.
func (c *Coordinator) runSteps(ctx context.Context, steps []setupStep, st *setupState, ss []*session) error {
	parallel := !c.cfg.Mode.switching()
	for first := 0; first < len(steps); {
		last := first
		for last+1 < len(steps) && steps[last+1].stage == steps[first].stage {
			last++
		}
		err := c.phase(ctx, steps[first].stage, func(ctx context.Context) error {
			for k := first; k <= last; k++ {
				step := &steps[k]
				err := forEach(ctx, ss, parallel, func(ctx context.Context, s *session) error {
					return c.runStep(ctx, step, st, indexOf(ss, s), s)
				})
				if err != nil {
					return err
				}
				if k < last && step.check != nil {
					if err := step.check(&step.Step, st, ss); err != nil {
						return err
					}
				}
			}
			return nil
		})
		if err != nil {
			return err
		}
		if step := &steps[last]; step.check != nil {
			if err := step.check(&step.Step, st, ss); err != nil {
				return err
			}
		}
		first = last + 1
	}
	return nil
}

// runStep is one role's part of a step: its wallet made the open one (a
// step of the rounds), the snapshot before, the work, the wallet stored and
// checked, the snapshot after.
func (c *Coordinator) runStep(ctx context.Context, step *setupStep, st *setupState, i int, s *session) error {
	if step.Round != 0 {
		if err := c.begin(ctx, s, step.Round); err != nil {
			return err
		}
	}
	if step.Before != escrow.NoPoint {
		c.obs.Snapshot(ctx, step.Before, s.role, s)
	}
	if err := step.do(ctx, st, i, s); err != nil {
		return err
	}
	if step.want != nil {
		if err := s.store(ctx, step.Round); err != nil {
			return err
		}
		if _, err := s.check(ctx, step.Round, step.Call, step.want); err != nil {
			return err
		}
	}
	if step.After != escrow.NoPoint {
		c.obs.Snapshot(ctx, step.After, s.role, s)
	}
	return nil
}

// createWallet gives the role its wallet: a fresh one from the reserve, if
// the server still has it open, else a new one named after the escrow.
func createWallet(ctx context.Context, st *setupState, _ int, s *session) error {
	if s.adopted {
		// A reserve wallet is used only if it is still the open wallet and
		// fresh: a restarted server has no wallet open, and after a
		// close_wallet that failed, or a wallet opened by someone else,
		// the open one is not ours, multisig or not.
		if s.stillReserved(ctx) {
			st.reserve.record(true)
			return nil
		}
		s.adopted = false
		s.wallet = escrow.WalletName(st.escrowID, s.role)
		s.password = WalletPassword(st.secret, s.wallet)
	}
	// A miss: no reserve wallet on this server (demand outran the
	// reserve) or the one there was gone.
	st.reserve.record(false)
	if err := s.client.CreateWallet(s.step(ctx, 0), s.wallet, s.password); err != nil {
		return s.fail(0, "create_wallet", err)
	}
	return nil
}

// prepare is round 1's first half: each wallet's first kex message.
func prepare(ctx context.Context, st *setupState, i int, s *session) error {
	info, err := s.client.PrepareMultisig(s.step(ctx, escrow.Round1))
	if err != nil {
		return s.fail(escrow.Round1, "prepare_multisig", err)
	}
	st.prepared[i] = info
	return nil
}

// makeMultisig is round 1's second half: make_multisig with the two others'
// first messages.
func makeMultisig(ctx context.Context, st *setupState, i int, s *session) error {
	if s.switching {
		// enable_multisig_experimental lives in memory until make_multisig
		// writes it: after a re-open it must be sent again in this session.
		if _, err := s.client.PrepareMultisig(s.step(ctx, escrow.Round1)); err != nil {
			return s.fail(escrow.Round1, "prepare_multisig", err)
		}
	}
	out, err := s.client.MakeMultisig(s.step(ctx, escrow.Round1), others(st.prepared, i), escrow.Threshold, s.password)
	if err != nil {
		return s.fail(escrow.Round1, "make_multisig", err)
	}
	st.made[i] = out.MultisigInfo
	return nil
}

// exchange is rounds 2 and 3: exchange_multisig_keys with the two others'
// messages of the round before; the last one gives the final address.
func exchange(r escrow.Round) func(context.Context, *setupState, int, *session) error {
	return func(ctx context.Context, st *setupState, i int, s *session) error {
		in := st.made
		if r == escrow.Round3 {
			in = st.exchanged
		}
		out, err := s.client.ExchangeMultisigKeys(s.step(ctx, r), others(in, i), s.password)
		if err != nil {
			return s.fail(r, "exchange_multisig_keys", err)
		}
		if r == escrow.Round3 {
			st.kexAddr[i] = out.Address
		} else {
			st.exchanged[i] = out.MultisigInfo
		}
		return nil
	}
}

// verify reads the address each wallet reports.
func verify(ctx context.Context, st *setupState, i int, s *session) error {
	a, err := s.client.GetAddress(s.step(ctx, escrow.Round3))
	if err != nil {
		return s.fail(escrow.Round3, "get_address", err)
	}
	st.addrs[i] = a
	return nil
}

// sameAddress accepts the setup only when every wallet reports one address,
// the one its last round gave it.
func sameAddress(_ *escrow.Step, st *setupState, ss []*session) error {
	for i, s := range ss {
		if st.addrs[i] == "" || st.addrs[i] != st.addrs[0] || st.addrs[i] != st.kexAddr[i] {
			return s.fail(escrow.Round3, "verify", fmt.Errorf("%w: %s", ErrAddressMismatch, describeAddrs(st.addrs, st.kexAddr)))
		}
	}
	return nil
}

// messages is the check of a step whose roles produced kex messages:
// checkMessages on what msgs picks, under the step's round and call.
func messages(msgs func(*setupState) []string, prefix string) func(*escrow.Step, *setupState, []*session) error {
	return func(step *escrow.Step, st *setupState, _ []*session) error {
		return checkMessages(st.escrowID, step.Round, step.Call, msgs(st), prefix)
	}
}

// begin makes the role's wallet the open one and, in shared mode with a
// barrier, lines up with the other escrows before the step's call.
func (c *Coordinator) begin(ctx context.Context, s *session, r escrow.Round) error {
	if err := s.ensureOpen(ctx, r); err != nil {
		return err
	}
	if c.cfg.Mode == ModeShared && c.cfg.Barrier != nil {
		if err := c.cfg.Barrier.Wait(ctx); err != nil {
			return s.fail(r, "barrier", err)
		}
	}
	return nil
}

// phase runs f inside an observed phase.
func (c *Coordinator) phase(ctx context.Context, p Phase, f func(ctx context.Context) error) error {
	ctx = c.obs.StartPhase(ctx, p)
	err := f(ctx)
	c.obs.EndPhase(ctx, err)
	return err
}

func inKex(st walletrpc.MultisigStatus) bool { return st.Multisig && !st.Ready }

func ready2of3(st walletrpc.MultisigStatus) bool {
	return st.Multisig && st.Ready && st.Threshold == escrow.Threshold && st.Total == escrow.Participants
}

// others is what participant i sends on: exactly the two other participants'
// messages, never its own (the wallet would silently build a 2-of-2).
func others(msgs []string, i int) []string {
	out := make([]string, 0, len(msgs)-1)
	for j, m := range msgs {
		if j != i {
			out = append(out, m)
		}
	}
	return out
}

// checkMessages refuses to send on a round whose messages are empty, equal to
// each other, or (for round 1's first messages) not multisig messages at all.
func checkMessages(escrowID string, r escrow.Round, op string, msgs []string, prefix string) error {
	for i, m := range msgs {
		bad := ""
		switch {
		case m == "":
			bad = "empty"
		case prefix != "" && !strings.HasPrefix(m, prefix):
			bad = "not a " + prefix + " message"
		}
		for j := 0; j < i && bad == ""; j++ {
			if msgs[j] == m {
				bad = "same as " + string(escrow.Roles[j]) + "'s"
			}
		}
		if bad != "" {
			return stepError(escrowID, escrow.Roles[i], r, op, "",
				fmt.Errorf("%w: %s's message is %s", ErrBadKexMessage, escrow.Roles[i], bad))
		}
	}
	return nil
}

func describeAddrs(addrs, kex []string) string {
	var b strings.Builder
	for i, r := range escrow.Roles {
		if i > 0 {
			b.WriteString(", ")
		}
		fmt.Fprintf(&b, "%s=%s (kex %s)", r, short(addrs[i]), short(kex[i]))
	}
	return b.String()
}

// short shows an address by its first characters; addresses are public, but
// errors need not carry them whole.
func short(a string) string {
	if len(a) > 12 {
		return a[:12] + "…"
	}
	if a == "" {
		return "none"
	}
	return a
}

func indexOf(ss []*session, s *session) int {
	for i := range ss {
		if ss[i] == s {
			return i
		}
	}
	return -1
}
