package trace_test

import (
	"os"
	"testing"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/multisig/walletpool"
)

// servers is shared by the package's real-server tests.
var servers *walletpool.Supervisor

func TestMain(m *testing.M) {
	os.Exit(wallettest.Main(m, wallettest.Shared{Name: "trace", Count: 9}, &servers))
}
