package deploytest

import (
	"os"
	"path/filepath"
	"testing"

	"golang.org/x/mod/modfile"
)

const mainModule = "github.com/escrowd/escrowd"

// repoRoot is the directory of the main module's go.mod, found upwards from
// the test's working directory (the package directory under go test).
func repoRoot(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modfile.ModulePath(data) == mainModule {
			return dir
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			t.Fatalf("no go.mod of %s above the working directory", mainModule)
		}
		dir = parent
	}
}
