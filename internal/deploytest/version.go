package deploytest

import (
	"fmt"
	"os"

	"golang.org/x/mod/modfile"
	"golang.org/x/mod/semver"
)

// JaegerModule is the Go module that scripts/jaeger.sh builds Jaeger from.
const JaegerModule = "github.com/jaegertracing/jaeger"

// jaegerV2Offset maps the Go module's v1 version line to Jaeger's v2 releases.
// Jaeger v2 is published from the same repository and tags both versions on
// one commit; CHANGELOG.md of the module lists them in pairs, e.g.
// "v1.76.0 / v2.13.0 (2025-12-03)", "v1.75.0 / v2.12.0", ... "v1.70.0 / v2.7.0":
// the minor differs by 63 and the patch is shared.
const jaegerV2Offset = 63

// PinnedJaegerModule returns the version of JaegerModule required by the
// go.mod file at path (deploy/jaeger/go.mod).
func PinnedJaegerModule(path string) (string, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return "", fmt.Errorf("read jaeger pin: %w", err)
	}
	f, err := modfile.ParseLax(path, data, nil)
	if err != nil {
		return "", fmt.Errorf("parse %s: %w", path, err)
	}
	for _, r := range f.Require {
		if r.Mod.Path == JaegerModule {
			return r.Mod.Version, nil
		}
	}
	return "", fmt.Errorf("%s: no requirement on %s", path, JaegerModule)
}

// JaegerRelease maps a JaegerModule version (v1.X.Y) to the Jaeger v2 release
// (2.(X-63).Y) whose container image is jaegertracing/jaeger:<release>.
func JaegerRelease(moduleVersion string) (string, error) {
	if !semver.IsValid(moduleVersion) || semver.Prerelease(moduleVersion) != "" || semver.Build(moduleVersion) != "" {
		return "", fmt.Errorf("jaeger module version %q: want a release v1.X.Y", moduleVersion)
	}
	var major, minor, patch int
	if _, err := fmt.Sscanf(moduleVersion, "v%d.%d.%d", &major, &minor, &patch); err != nil {
		return "", fmt.Errorf("jaeger module version %q: %w", moduleVersion, err)
	}
	if major != 1 || minor <= jaegerV2Offset {
		return "", fmt.Errorf("jaeger module version %q: no Jaeger v2 release (v2 starts at module v1.%d.0)", moduleVersion, jaegerV2Offset+1)
	}
	return fmt.Sprintf("2.%d.%d", minor-jaegerV2Offset, patch), nil
}
