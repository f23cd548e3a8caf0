package multisig

import (
	"os/exec"
	"strings"
	"testing"
)

// TestImportsNoTracing: observability is a hook, not a dependency. The
// coordinator imports nothing of tracing (pkg/trace, OpenTelemetry) nor of
// the trace file format (pkg/escrowtrace); the domain comes from pkg/escrow.
func TestImportsNoTracing(t *testing.T) {
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list the imports with")
	}
	out, err := exec.Command(goBin, "list", "-deps", ".").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps: %v\n%s", err, out)
	}
	for _, dep := range strings.Fields(string(out)) {
		for _, banned := range []string{"/pkg/escrowtrace", "/pkg/trace", "go.opentelemetry.io/", "/pkg/exporters/"} {
			if strings.Contains(dep, banned) {
				t.Errorf("pkg/multisig depends on %s", dep)
			}
		}
	}
	if !strings.Contains(string(out), "github.com/escrowd/escrowd/pkg/escrow\n") {
		t.Error("pkg/multisig does not take its domain from pkg/escrow")
	}
}
