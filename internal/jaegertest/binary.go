package jaegertest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"golang.org/x/mod/modfile"
)

// BinaryEnv names a Jaeger binary to use instead of the build cache's.
const BinaryEnv = "ESCROWD_JAEGER_BIN"

const mainModule = "github.com/escrowd/escrowd"

// coldBuildTimeout bounds a first build of Jaeger (~6 min and 2.3 GB on 2 cores).
const coldBuildTimeout = 20 * time.Minute

// repoRoot is the directory of the main module's go.mod, found upwards from
// the working directory (a package directory under go test).
func repoRoot() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", fmt.Errorf("find repository root: %w", err)
	}
	for {
		data, err := os.ReadFile(filepath.Join(dir, "go.mod"))
		if err == nil && modfile.ModulePath(data) == mainModule {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("find repository root: no go.mod of %s above the working directory", mainModule)
		}
		dir = parent
	}
}

// binary returns the path of an executable Jaeger, building it when needed.
func binary(t testing.TB, root string) string {
	t.Helper()
	if p := os.Getenv(BinaryEnv); p != "" {
		if !isExecutable(p) {
			t.Fatalf("%s=%s: not an executable file", BinaryEnv, p)
		}
		return p
	}
	script := filepath.Join(root, "scripts", "jaeger.sh")
	// The script owns the cache path and the version in it, so that the
	// helper and `make jaeger` agree on one binary.
	out, err := exec.Command("bash", script, "path").Output()
	if err != nil {
		t.Fatalf("jaegertest: %s path: %v", script, exitDetail(err))
	}
	p := strings.TrimSpace(string(out))
	if isExecutable(p) {
		return p
	}
	if testing.Short() {
		t.Skipf("jaegertest: no Jaeger binary at %s (build it with scripts/jaeger.sh build, or set %s); skipped under -short", p, BinaryEnv)
	}
	t.Logf("jaegertest: building Jaeger into %s (about 6 min cold)", p)
	ctx, cancel := context.WithTimeout(context.Background(), coldBuildTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", script, "build")
	var log bytes.Buffer
	cmd.Stdout, cmd.Stderr = &log, &log
	if err := cmd.Run(); err != nil {
		t.Fatalf("jaegertest: %s build: %v\n%s", script, err, log.Bytes())
	}
	if !isExecutable(p) {
		t.Fatalf("jaegertest: %s build succeeded but %s is not there", script, p)
	}
	return p
}

func isExecutable(p string) bool {
	fi, err := os.Stat(p)
	return err == nil && fi.Mode().IsRegular() && fi.Mode().Perm()&0o111 != 0
}

func exitDetail(err error) error {
	var ee *exec.ExitError
	if errors.As(err, &ee) && len(ee.Stderr) > 0 {
		return fmt.Errorf("%w: %s", err, bytes.TrimSpace(ee.Stderr))
	}
	return err
}
