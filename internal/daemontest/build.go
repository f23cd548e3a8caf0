package daemontest

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"testing"
)

// The binary is built once per test binary and shared by its tests.
var build struct {
	once sync.Once
	dir  string
	path string
	err  error
}

// Main runs the tests and removes the binary Binary built; use it as
// `func TestMain(m *testing.M) { os.Exit(daemontest.Main(m)) }`.
func Main(m *testing.M) int {
	code := m.Run()
	if build.dir != "" {
		os.RemoveAll(build.dir) //nolint:errcheck // a temporary directory
	}
	return code
}

// Binary returns the path of escrowd built from this module's cmd/escrowd,
// building it at the first call; a failed build fails every caller.
func Binary(tb testing.TB) string {
	tb.Helper()
	build.once.Do(func() {
		dir, err := os.MkdirTemp("", "escrowd-bin-")
		if err != nil {
			build.err = fmt.Errorf("daemontest: build directory: %w", err)
			return
		}
		build.dir = dir
		bin := filepath.Join(dir, "escrowd")
		cmd := exec.Command("go", "build", "-o", bin, "github.com/escrowd/escrowd/cmd/escrowd")
		cmd.Env = append(os.Environ(), "GOTOOLCHAIN=local")
		if out, err := cmd.CombinedOutput(); err != nil {
			build.err = fmt.Errorf("daemontest: build escrowd: %w\n%s", err, out)
			return
		}
		build.path = bin
	})
	if build.err != nil {
		tb.Fatal(build.err)
	}
	return build.path
}
