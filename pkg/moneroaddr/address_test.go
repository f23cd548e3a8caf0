package moneroaddr_test

import (
	"encoding/hex"
	"errors"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/pkg/moneroaddr"
)

// Real addresses: one wallet per network made by monero-wallet-rpc 0.18
// (--offline, with --testnet / --stagenet): its main address, its first
// subaddress (create_address) and make_integrated_address with payment ID
// 0123456789abcdef. The donation address is the Monero General Fund's,
// published on getmonero.org.
const (
	mainStd   = "49qJQNYyKjGM1kXyRpWCFAMwAmYdkn4oJ6oYMPvd3rSS8t6ZugMhdG3b1gCPRbG6US3AF6ySvwryo6HXi2Gi3jaTTiuz9x5"
	mainSub   = "89Dpe44dQrZNedbJ4f9EzR1H6b8Uid4GiFnALUUV6WfUEvo7EEuGnMEFquCaBwCdHBGkcGEYm1frhFEKZkU81vGeGWGh9xt"
	mainInt   = "4KXyRBNTvznM1kXyRpWCFAMwAmYdkn4oJ6oYMPvd3rSS8t6ZugMhdG3b1gCPRbG6US3AF6ySvwryo6HXi2Gi3jaTgUYFL5y7sh6U2XWZbg"
	testStd   = "A1rJTTsgXAUTDJ4PGEhZGZbFbtvatvZuLbSCued2VEQq9XDzk5mGWamGueF1HRu9PwAiHLwrSSmb9e9yzpbUx1bmAfE5Cu1"
	testSub   = "BaqhhwTxuc6X8UVkGceWxfj3Cuo8LLaNBj68qQggCWotCTZaaszaDa34nRMqMNJDoLLdZ7QwT2X89A3FWTNaqRV79eA46UG"
	testInt   = "ABYyUGhB8RzTDJ4PGEhZGZbFbtvatvZuLbSCued2VEQq9XDzk5mGWamGueF1HRu9PwAiHLwrSSmb9e9yzpbUx1bmFDegECKe4HzU1knA2o"
	stageStd  = "58JdeNBrEgucB8ZYiRQd9G8irfTQZhpE8aEKHoW4LXxqUF4mfrcCw9yDSYEkCjGxKGgUNg5USnrinYK6uXFppbmZ1HPmZp7"
	stageSub  = "7A4taDYM2DdASPtNxrEqjnfaCAEqnpQ2cQcVLPjoP7g65ppRcp6x3qB4PxrRJDGRAggvPxvMqvf8s2cvKNyznBr2NdqKaum"
	stageInt  = "5J1JfB1LqxRcB8ZYiRQd9G8irfTQZhpE8aEKHoW4LXxqUF4mfrcCw9yDSYEkCjGxKGgUNg5USnrinYK6uXFppbmZ1LSr5CMhb64Ty2McRi"
	donation  = "44AFFq5kSiGBoZ4NMDwYtN18obc8AemS33DBLWs3H7otXft3XjrpDtQGv7SqSsaBYBb98uNbr2VBBEt7f2wfn3RVGQBEP3A"
	paymentID = "0123456789abcdef"
)

func TestParseRealAddresses(t *testing.T) {
	tests := []struct {
		addr    string
		network moneroaddr.Network
		kind    moneroaddr.Kind
		// std is the standard address of the same wallet (same keys as
		// its integrated address).
		std string
	}{
		{mainStd, moneroaddr.Mainnet, moneroaddr.Standard, mainStd},
		{mainSub, moneroaddr.Mainnet, moneroaddr.Subaddress, ""},
		{mainInt, moneroaddr.Mainnet, moneroaddr.Integrated, mainStd},
		{testStd, moneroaddr.Testnet, moneroaddr.Standard, testStd},
		{testSub, moneroaddr.Testnet, moneroaddr.Subaddress, ""},
		{testInt, moneroaddr.Testnet, moneroaddr.Integrated, testStd},
		{stageStd, moneroaddr.Stagenet, moneroaddr.Standard, stageStd},
		{stageSub, moneroaddr.Stagenet, moneroaddr.Subaddress, ""},
		{stageInt, moneroaddr.Stagenet, moneroaddr.Integrated, stageStd},
		{donation, moneroaddr.Mainnet, moneroaddr.Standard, donation},
	}
	for _, tt := range tests {
		a, err := moneroaddr.Parse(tt.addr)
		if err != nil {
			t.Errorf("Parse(%.12s...) = %v", tt.addr, err)
			continue
		}
		if a.Network != tt.network || a.Kind != tt.kind {
			t.Errorf("Parse(%.12s...) = %s %s, want %s %s", tt.addr, a.Network, a.Kind, tt.network, tt.kind)
		}
		if got := a.String(); got != tt.addr {
			t.Errorf("String() = %s, want %s", got, tt.addr)
		}
		if err := moneroaddr.Validate(tt.addr, tt.network); err != nil {
			t.Errorf("Validate(%.12s..., %s) = %v", tt.addr, tt.network, err)
		}
		if tt.kind == moneroaddr.Integrated {
			if got := hex.EncodeToString(a.PaymentID[:]); got != paymentID {
				t.Errorf("payment ID %s, want %s", got, paymentID)
			}
		} else if a.PaymentID != [8]byte{} {
			t.Errorf("%s address with payment ID %x", a.Kind, a.PaymentID)
		}
		if tt.std != "" {
			s, _ := moneroaddr.Parse(tt.std)
			if a.SpendKey != s.SpendKey || a.ViewKey != s.ViewKey {
				t.Errorf("%.12s...: keys differ from its standard address's", tt.addr)
			}
		}
	}
}

// TestValidateWrongNetwork: every real address is refused on the two other
// networks, saying which network and kind it is.
func TestValidateWrongNetwork(t *testing.T) {
	addrs := map[string]moneroaddr.Network{
		mainStd: moneroaddr.Mainnet, mainSub: moneroaddr.Mainnet, mainInt: moneroaddr.Mainnet,
		testStd: moneroaddr.Testnet, testSub: moneroaddr.Testnet, testInt: moneroaddr.Testnet,
		stageStd: moneroaddr.Stagenet, stageSub: moneroaddr.Stagenet, stageInt: moneroaddr.Stagenet,
	}
	for addr, own := range addrs {
		a, _ := moneroaddr.Parse(addr)
		for _, n := range moneroaddr.Networks {
			if n == own {
				continue
			}
			err := moneroaddr.Validate(addr, n)
			want := "a " + own.String() + " " + a.Kind.Noun() + ", want a " + n.String() + " address"
			if !errors.Is(err, moneroaddr.ErrWrongNetwork) || errors.Is(err, moneroaddr.ErrInvalid) || !strings.Contains(err.Error(), want) {
				t.Errorf("Validate(%s %s, %s) = %v, want ErrWrongNetwork saying %q", own, a.Kind, n, err, want)
			}
			if strings.Contains(err.Error(), addr) {
				t.Errorf("the error quotes the address: %v", err)
			}
		}
	}
}

// TestParseRefusals: each malformed address is refused with ErrInvalid and
// a message saying what is wrong, without quoting the address.
func TestParseRefusals(t *testing.T) {
	// forged builds an address with a valid checksum around bytes that are
	// not an address: prefix, then n bytes.
	forged := func(prefix uint64, n int) string {
		a := moneroaddr.Address{Network: moneroaddr.Mainnet, Kind: moneroaddr.Standard}
		return moneroaddr.ForgeForTest(prefix, make([]byte, n), a)
	}
	swap := func(s string, i int, c byte) string { b := []byte(s); b[i] = c; return string(b) }
	tests := []struct {
		name, addr, want string
	}{
		{"empty", "", "empty"},
		{"checksum: one character changed", swap(mainStd, 40, 'b'), "checksum does not match"},
		{"checksum: last character changed", swap(mainStd, 94, '6'), "checksum does not match"},
		{"checksum: two keys swapped", swapKeys(mainStd), "checksum does not match"},
		{"zero digit", swap(mainStd, 10, '0'), `'0' at position 11: character outside`},
		{"capital O", swap(mainStd, 3, 'O'), `'O' at position 4`},
		{"small l", swap(mainStd, 50, 'l'), `'l' at position 51`},
		{"leading space", " " + mainStd[1:], "position 1"},
		{"non-ASCII", swap(mainStd, 20, 0xc3), "position 21"},
		{"truncated by one", mainStd[:94], "94 characters, a Monero address has 95 (106 when integrated)"},
		{"truncated by a block", mainStd[:84], "84 characters"},
		{"one character too many", mainStd + "1", "96 characters"},
		{"integrated address cut to standard length", mainInt[:95], "block value too large"},
		{"standard with an extra block", mainStd[:88] + "11111111111" + mainStd[88:], "77 bytes for a mainnet standard address, want 69"},
		{"far too long", strings.Repeat(mainStd, 3), "285 characters"},
		{"block overflow", "zzzzzzzzzzz" + mainStd[11:], "block value too large"},
		{"unknown prefix", forged(99, 64), "prefix 99 is no network's"},
		{"keys one byte short", forged(18, 63), "94 characters"},
		{"subaddress prefix, integrated length", forged(42, 72), "77 bytes for a mainnet subaddress, want 69"},
		{"a Bitcoin address", "1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2", "not a valid Monero address"},
	}
	for _, tt := range tests {
		_, err := moneroaddr.Parse(tt.addr)
		if !errors.Is(err, moneroaddr.ErrInvalid) || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: Parse = %v, want ErrInvalid saying %q", tt.name, err, tt.want)
			continue
		}
		if len(tt.addr) > 20 && strings.Contains(err.Error(), tt.addr[:20]) {
			t.Errorf("%s: the error quotes the address: %v", tt.name, err)
		}
		if err := moneroaddr.Validate(tt.addr, moneroaddr.Mainnet); !errors.Is(err, moneroaddr.ErrInvalid) {
			t.Errorf("%s: Validate = %v, want ErrInvalid", tt.name, err)
		}
	}
}

// swapKeys exchanges the spend and view keys of a standard address and
// keeps its checksum.
func swapKeys(s string) string {
	a, _ := moneroaddr.Parse(s)
	b := a
	b.SpendKey, b.ViewKey = a.ViewKey, a.SpendKey
	good := b.String()
	return good[:len(good)-7] + s[len(s)-7:]
}

func TestNetworkAndKindNames(t *testing.T) {
	for _, n := range moneroaddr.Networks {
		got, err := moneroaddr.ParseNetwork(n.String())
		if err != nil || got != n {
			t.Errorf("ParseNetwork(%s) = %v, %v", n, got, err)
		}
	}
	if _, err := moneroaddr.ParseNetwork("regtest"); err == nil || !strings.Contains(err.Error(), "want mainnet, testnet or stagenet") {
		t.Errorf("ParseNetwork(regtest) = %v", err)
	}
	want := map[moneroaddr.Network][3]uint64{
		moneroaddr.Mainnet: {18, 42, 19}, moneroaddr.Testnet: {53, 63, 54}, moneroaddr.Stagenet: {24, 36, 25},
	}
	for n, p := range want {
		for i, k := range moneroaddr.Kinds {
			if got := moneroaddr.Prefix(n, k); got != p[i] {
				t.Errorf("Prefix(%s, %s) = %d, want %d", n, k, got, p[i])
			}
		}
	}
	if (moneroaddr.Address{}).String() != "" {
		t.Error("the zero Address has a text")
	}
}
