package moneroaddr

import "fmt"

// Network is the Monero network an address belongs to. Regtest (monerod
// --regtest, the "fakechain") has no prefixes of its own: its wallets use
// Mainnet's.
type Network int

// The networks.
const (
	Mainnet Network = iota + 1
	Testnet
	Stagenet
)

// Networks lists every network, in order.
var Networks = []Network{Mainnet, Testnet, Stagenet}

func (n Network) String() string {
	switch n {
	case Mainnet:
		return "mainnet"
	case Testnet:
		return "testnet"
	case Stagenet:
		return "stagenet"
	}
	return fmt.Sprintf("Network(%d)", int(n))
}

// ParseNetwork reads "mainnet", "testnet" or "stagenet".
func ParseNetwork(s string) (Network, error) {
	for _, n := range Networks {
		if s == n.String() {
			return n, nil
		}
	}
	return 0, fmt.Errorf("moneroaddr: unknown network %q: want mainnet, testnet or stagenet", s)
}

// Kind is what an address is for.
type Kind int

// The kinds of address.
const (
	// Standard is a wallet's main address (index 0/0).
	Standard Kind = iota + 1
	// Subaddress is one of a wallet's derived addresses.
	Subaddress
	// Integrated is a standard address with an 8-byte payment ID in it.
	Integrated
)

// Noun names an address of the kind in a sentence: "standard address",
// "subaddress", "integrated address".
func (k Kind) Noun() string {
	if k == Subaddress {
		return "subaddress"
	}
	return k.String() + " address"
}

// Kinds lists every kind, in order.
var Kinds = []Kind{Standard, Subaddress, Integrated}

func (k Kind) String() string {
	switch k {
	case Standard:
		return "standard"
	case Subaddress:
		return "subaddress"
	case Integrated:
		return "integrated"
	}
	return fmt.Sprintf("Kind(%d)", int(k))
}

// prefixes are the networks' address prefixes (cryptonote_config.h's
// CRYPTONOTE_PUBLIC_{,SUB,INTEGRATED_}ADDRESS_BASE58_PREFIX), written as a
// varint at the start of the address's bytes.
var prefixes = map[Network]map[Kind]uint64{
	Mainnet:  {Standard: 18, Subaddress: 42, Integrated: 19},
	Testnet:  {Standard: 53, Subaddress: 63, Integrated: 54},
	Stagenet: {Standard: 24, Subaddress: 36, Integrated: 25},
}

// Prefix is the varint prefix of addresses of kind k on network n; 0 for an
// unknown network or kind.
func Prefix(n Network, k Kind) uint64 { return prefixes[n][k] }

// prefixOwner is the network and kind of each prefix.
type owner struct {
	network Network
	kind    Kind
}

var prefixOwner = func() map[uint64]owner {
	m := map[uint64]owner{}
	for n, kinds := range prefixes {
		for k, p := range kinds {
			m[p] = owner{n, k}
		}
	}
	return m
}()
