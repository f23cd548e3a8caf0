package escrow

import "strconv"

// Round is a key-exchange round of the setup: 1 = prepare_multisig +
// make_multisig, 2 and 3 = exchange_multisig_keys. 0 means "outside the
// rounds" (wallet creation, funding, payouts).
type Round int

// The three rounds of a 2-of-3 setup on monero-wallet-rpc 0.18.
const (
	Round1 Round = 1
	Round2 Round = 2
	Round3 Round = 3
)

// Rounds lists the setup's rounds in order.
var Rounds = [...]Round{Round1, Round2, Round3}

// Valid reports whether r is one of the three rounds.
func (r Round) Valid() bool { return r >= Round1 && r <= Round3 }

func (r Round) String() string { return "round " + strconv.Itoa(int(r)) }
