package moneroaddr_test

import (
	"fmt"

	"github.com/escrowd/escrowd/pkg/moneroaddr"
)

// Parse tells an address's network and kind.
func ExampleParse() {
	a, err := moneroaddr.Parse("58JdeNBrEgucB8ZYiRQd9G8irfTQZhpE8aEKHoW4LXxqUF4mfrcCw9yDSYEkCjGxKGgUNg5USnrinYK6uXFppbmZ1HPmZp7")
	fmt.Println(a.Network, a.Kind, err)
	// Output: stagenet standard <nil>
}

// Validate accepts an address of the given network only, and says where a
// wrong one belongs. A regtest daemon's wallets use mainnet addresses.
func ExampleValidate() {
	stagenet := "58JdeNBrEgucB8ZYiRQd9G8irfTQZhpE8aEKHoW4LXxqUF4mfrcCw9yDSYEkCjGxKGgUNg5USnrinYK6uXFppbmZ1HPmZp7"
	fmt.Println(moneroaddr.Validate(stagenet, moneroaddr.Stagenet))
	fmt.Println(moneroaddr.Validate(stagenet, moneroaddr.Mainnet))
	fmt.Println(moneroaddr.Validate(stagenet[:94], moneroaddr.Stagenet))
	// Output:
	// <nil>
	// wrong Monero network: a stagenet standard address, want a mainnet address
	// not a valid Monero address: 94 characters, a Monero address has 95 (106 when integrated)
}
