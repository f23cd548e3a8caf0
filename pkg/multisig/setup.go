package multisig

import (
	"context"
	"fmt"
	"strings"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// kexPrefix starts every first-round multisig message of wallet 0.18.
const kexPrefix = "MultisigxV2R1"

// setup runs the phases on sessions that are already the escrow's.
func (c *Coordinator) setup(ctx context.Context, e Escrow, ss []*session) (Result, error) {
	parallel := !c.cfg.Mode.switching()
	each := func(ctx context.Context, f func(ctx context.Context, i int, s *session) error) error {
		return forEach(ctx, ss, parallel, func(ctx context.Context, s *session) error {
			return f(ctx, indexOf(ss, s), s)
		})
	}

	err := c.phase(ctx, PhaseCreateWallets, func(ctx context.Context) error {
		return each(ctx, func(ctx context.Context, _ int, s *session) error {
			if s.adopted {
				// A reserve wallet is used only if it is still open and fresh
				// (a restarted server has no wallet open).
				st, err := s.client.IsMultisig(s.step(ctx, 0))
				if err == nil && !st.Multisig {
					c.cfg.Reserve.record(true)
					return nil
				}
				s.adopted = false
				s.wallet = WalletName(e.ID, s.role)
				s.password = WalletPassword(c.cfg.Secret, s.wallet)
			}
			// A miss: no reserve wallet on this server (demand outran the
			// reserve) or the one there was gone.
			c.cfg.Reserve.record(false)
			if err := s.client.CreateWallet(s.step(ctx, 0), s.wallet, s.password); err != nil {
				return s.fail(0, "create_wallet", err)
			}
			return nil
		})
	})
	if err != nil {
		return Result{}, err
	}

	// Round 1: prepare_multisig everywhere, then make_multisig with the two others' messages.
	prepared := make([]string, Participants)
	made := make([]string, Participants)
	err = c.phase(ctx, PhaseRound1, func(ctx context.Context) error {
		err := each(ctx, func(ctx context.Context, i int, s *session) error {
			if err := c.begin(ctx, s, Round1); err != nil {
				return err
			}
			c.obs.Snapshot(ctx, PointPreRound1, s.role, s)
			info, err := s.client.PrepareMultisig(s.step(ctx, Round1))
			if err != nil {
				return s.fail(Round1, "prepare_multisig", err)
			}
			prepared[i] = info
			return nil
		})
		if err != nil {
			return err
		}
		if err := checkMessages(e.ID, Round1, "prepare_multisig", prepared, kexPrefix); err != nil {
			return err
		}
		return each(ctx, func(ctx context.Context, i int, s *session) error {
			if err := c.begin(ctx, s, Round1); err != nil {
				return err
			}
			if s.switching {
				// enable_multisig_experimental lives in memory until make_multisig
				// writes it: after a re-open it must be sent again in this session.
				if _, err := s.client.PrepareMultisig(s.step(ctx, Round1)); err != nil {
					return s.fail(Round1, "prepare_multisig", err)
				}
			}
			out, err := s.client.MakeMultisig(s.step(ctx, Round1), others(prepared, i), Threshold, s.password)
			if err != nil {
				return s.fail(Round1, "make_multisig", err)
			}
			made[i] = out.MultisigInfo
			if err := s.store(ctx, Round1); err != nil {
				return err
			}
			if _, err := s.check(ctx, Round1, "make_multisig", inKex); err != nil {
				return err
			}
			c.obs.Snapshot(ctx, PointPostMakeMultisig, s.role, s)
			return nil
		})
	})
	if err != nil {
		return Result{}, err
	}
	if err := checkMessages(e.ID, Round1, "make_multisig", made, ""); err != nil {
		return Result{}, err
	}

	// Round 2: first exchange_multisig_keys with the others' round-1 messages.
	exchanged := make([]string, Participants)
	err = c.phase(ctx, PhaseRound2, func(ctx context.Context) error {
		return each(ctx, func(ctx context.Context, i int, s *session) error {
			if err := c.begin(ctx, s, Round2); err != nil {
				return err
			}
			c.obs.Snapshot(ctx, PointPreRound2, s.role, s)
			out, err := s.client.ExchangeMultisigKeys(s.step(ctx, Round2), others(made, i), s.password)
			if err != nil {
				return s.fail(Round2, "exchange_multisig_keys", err)
			}
			exchanged[i] = out.MultisigInfo
			if err := s.store(ctx, Round2); err != nil {
				return err
			}
			if _, err := s.check(ctx, Round2, "exchange_multisig_keys", inKex); err != nil {
				return err
			}
			c.obs.Snapshot(ctx, PointPostExportMultisig, s.role, s)
			return nil
		})
	})
	if err != nil {
		return Result{}, err
	}
	if err := checkMessages(e.ID, Round2, "exchange_multisig_keys", exchanged, ""); err != nil {
		return Result{}, err
	}

	// Round 3: the last exchange gives each wallet the final address.
	kexAddr := make([]string, Participants)
	err = c.phase(ctx, PhaseRound3, func(ctx context.Context) error {
		return each(ctx, func(ctx context.Context, i int, s *session) error {
			if err := c.begin(ctx, s, Round3); err != nil {
				return err
			}
			c.obs.Snapshot(ctx, PointPreRound3, s.role, s)
			out, err := s.client.ExchangeMultisigKeys(s.step(ctx, Round3), others(exchanged, i), s.password)
			if err != nil {
				return s.fail(Round3, "exchange_multisig_keys", err)
			}
			kexAddr[i] = out.Address
			if err := s.store(ctx, Round3); err != nil {
				return err
			}
			if _, err := s.check(ctx, Round3, "exchange_multisig_keys", ready2of3); err != nil {
				return err
			}
			c.obs.Snapshot(ctx, PointPostImportMultisig, s.role, s)
			return nil
		})
	})
	if err != nil {
		return Result{}, err
	}

	// Verify: every wallet reports the same address as the last round gave.
	addrs := make([]string, Participants)
	err = c.phase(ctx, PhaseVerify, func(ctx context.Context) error {
		return each(ctx, func(ctx context.Context, i int, s *session) error {
			if err := c.begin(ctx, s, Round3); err != nil {
				return err
			}
			a, err := s.client.GetAddress(s.step(ctx, Round3))
			if err != nil {
				return s.fail(Round3, "get_address", err)
			}
			addrs[i] = a
			c.obs.Snapshot(ctx, PointFinal, s.role, s)
			return nil
		})
	})
	if err != nil {
		return Result{}, err
	}
	for i, s := range ss {
		if addrs[i] == "" || addrs[i] != addrs[0] || addrs[i] != kexAddr[i] {
			return Result{}, s.fail(Round3, "verify", fmt.Errorf("%w: %s", ErrAddressMismatch, describeAddrs(addrs, kexAddr)))
		}
	}
	res := Result{Address: addrs[0], Wallets: make(map[Role]string, Participants)}
	for _, s := range ss {
		res.Wallets[s.role] = s.wallet
	}
	return res, nil
}

// begin makes the role's wallet the open one and, in shared mode with a
// barrier, lines up with the other escrows before the step's call.
func (c *Coordinator) begin(ctx context.Context, s *session, r Round) error {
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
	return st.Multisig && st.Ready && st.Threshold == Threshold && st.Total == Participants
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
func checkMessages(escrowID string, r Round, op string, msgs []string, prefix string) error {
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
				bad = "same as " + string(Roles[j]) + "'s"
			}
		}
		if bad != "" {
			return &StepError{EscrowID: escrowID, Role: Roles[i], Round: r, Operation: op,
				Err: fmt.Errorf("%w: %s's message is %s", ErrBadKexMessage, Roles[i], bad)}
		}
	}
	return nil
}

func describeAddrs(addrs, kex []string) string {
	var b strings.Builder
	for i, r := range Roles {
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
