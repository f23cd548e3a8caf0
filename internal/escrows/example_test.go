package escrows_test

import (
	"fmt"

	"github.com/escrowd/escrowd/internal/escrows"
)

func ExampleParseAmount() {
	for _, lit := range []string{"1000000000000", "1.5", "-1", "18446744073709551616"} {
		n, err := escrows.ParseAmount(lit)
		fmt.Println(n, err)
	}
	// Output:
	// 1000000000000 <nil>
	// 0 amount: must be a whole number of atomic units, without fraction or exponent
	// 0 amount: must not be negative
	// 0 amount: exceeds Monero's money supply (18446744073709551615 atomic units)
}
