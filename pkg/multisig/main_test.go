package multisig_test

import (
	"os"
	"testing"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// servers is shared by the package's real-server tests: starting a server
// costs about a second, creating a wallet several.
var servers *walletpool.Supervisor

const serverCount = 9 // three escrows at once

func TestMain(m *testing.M) {
	os.Exit(wallettest.Main(m, wallettest.Shared{Name: "multisig", Count: serverCount}, &servers))
}
