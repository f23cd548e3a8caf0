package reliability_test

import (
	"os"
	"testing"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// servers is shared by the fault tests: six servers let a victim escrow and
// a bystander escrow hold three each at the same time.
var servers *walletpool.Supervisor

const serverCount = 6

func TestMain(m *testing.M) {
	// A helper child (see crash_test.go) starts its own servers; -short runs
	// nothing that needs them.
	skip := func() bool { return os.Getenv(helperEnv) != "" || testing.Short() }
	os.Exit(wallettest.Main(m, wallettest.Shared{Name: "reliability", Count: serverCount, Skip: skip}, &servers))
}
