package secretscan_test

import (
	"fmt"

	"github.com/escrowd/escrowd/internal/secretscan"
)

func Example() {
	var sec secretscan.Set
	sec.Add("rpc password", "s3cr3t-rpc-password")
	// A wallet RPC request body, as a recording proxy keeps it.
	sec.AddBody([]byte(`{"method":"open_wallet","params":{"filename":"w","password":"wallet-password-1"}}`),
		secretscan.Fields{"password": "wallet password (wire)"})
	fmt.Println(sec.Kinds())

	log := []byte("level=INFO msg=started\nlevel=DEBUG msg=\"open wallet\" password=wallet-password-1\n")
	for _, h := range sec.Scan(log) {
		fmt.Printf("%s: %s\n", h.Kind, h.Line)
	}
	// In a test: sec.Check(t, "escrowd log", log) reports each hit with t.Errorf.

	// Output:
	// map[rpc password:1 wallet password (wire):1]
	// wallet password (wire): level=DEBUG msg="open wallet" password=<wallet password (wire)>
}
