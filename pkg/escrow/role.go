package escrow

// Role is a participant of a 2-of-3 escrow.
type Role string

// The three participants, in the fixed order used for servers, lanes and tables.
const (
	Buyer   Role = "buyer"
	Vendor  Role = "vendor"
	Arbiter Role = "arbiter"
)

// Roles lists the participants in their fixed order.
var Roles = [Participants]Role{Buyer, Vendor, Arbiter}

// Threshold and Participants define the scheme: 2-of-3.
const (
	Threshold    = 2
	Participants = 3
)

// Valid reports whether r is one of the three roles.
func (r Role) Valid() bool { return r.Index() >= 0 }

// Index is the role's position in Roles, or -1 for anything else.
func (r Role) Index() int {
	for i, k := range Roles {
		if k == r {
			return i
		}
	}
	return -1
}

// Rank orders roles for display: the three roles in their fixed order, then
// anything else (a file of another producer may name other roles).
func (r Role) Rank() int {
	if i := r.Index(); i >= 0 {
		return i
	}
	return Participants
}

func (r Role) String() string { return string(r) }
