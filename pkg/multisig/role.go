package multisig

import "fmt"

// Role is a participant of a 2-of-3 escrow.
type Role string

// The three participants, in the order the coordinator assigns servers.
const (
	RoleBuyer   Role = "buyer"
	RoleVendor  Role = "vendor"
	RoleArbiter Role = "arbiter"
)

// Roles lists the participants in a fixed order.
var Roles = [3]Role{RoleBuyer, RoleVendor, RoleArbiter}

// Threshold and Participants define the scheme: 2-of-3.
const (
	Threshold    = 2
	Participants = 3
)

// Round is a key-exchange round of the setup: 1 = prepare + make_multisig,
// 2 and 3 = exchange_multisig_keys.
type Round int

// The three rounds of a 2-of-3 setup on monero-wallet-rpc 0.18.
const (
	Round1 Round = 1
	Round2 Round = 2
	Round3 Round = 3
)

func (r Round) String() string { return fmt.Sprintf("round %d", int(r)) }
