package multisig

import "fmt"

// Mode is how escrows are mapped onto wallet servers.
type Mode string

const (
	// ModeLeased, the default: each escrow leases one server per role for its
	// whole setup; wallets stay open across rounds; nothing is shared.
	ModeLeased Mode = "leased"
	// ModeShared reproduces the original bug: every escrow uses one server and
	// switches wallets per step, with no lock. Never use it for real escrows.
	ModeShared Mode = "shared"
	// ModeGlobalLock is the usual stop-gap: one server, one escrow at a time.
	ModeGlobalLock Mode = "global-lock"
	// ModeNaive is not a coordinator mode: it marks a payout of the naive
	// mode (PayoutConfig.Naive) to the Observer. Payouts otherwise say
	// ModeLeased.
	ModeNaive Mode = "naive"
)

// Modes lists the modes, the default first.
var Modes = []Mode{ModeLeased, ModeShared, ModeGlobalLock}

// ParseMode parses a mode name; "" is the default, leased.
func ParseMode(s string) (Mode, error) {
	if s == "" {
		return ModeLeased, nil
	}
	for _, m := range Modes {
		if string(m) == s {
			return m, nil
		}
	}
	return "", fmt.Errorf("unknown mode %q: use leased, shared or global-lock", s)
}

// switching reports whether the mode puts all three roles on one server, so
// that each step must first open the role's wallet.
func (m Mode) switching() bool { return m == ModeShared || m == ModeGlobalLock }
