package deploytest

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// envRef is the collector confmap's environment reference with a default,
// ${env:NAME:-default}, as used in deploy/jaeger/config.yaml.
var envRef = regexp.MustCompile(`\$\{env:([A-Za-z_][A-Za-z0-9_]*)(?::-([^}]*))?\}`)

// expandEnv resolves env references like the collector does at start.
func expandEnv(src string, env map[string]string) string {
	return envRef.ReplaceAllStringFunc(src, func(ref string) string {
		m := envRef.FindStringSubmatch(ref)
		if v, ok := env[m[1]]; ok && v != "" {
			return v
		}
		return m[2]
	})
}

// listeners are the addresses the config must set itself: left out, the
// component defaults apply (jaeger_query's is all interfaces).
var listeners = []struct {
	path        string // dotted path in the config
	env         string // variable that overrides it
	defaultAddr string
}{
	{"receivers.otlp.protocols.grpc.endpoint", "JAEGER_OTLP_GRPC", "127.0.0.1:4317"},
	{"receivers.otlp.protocols.http.endpoint", "JAEGER_OTLP_HTTP", "127.0.0.1:4318"},
	{"extensions.jaeger_query.http.endpoint", "JAEGER_QUERY_HTTP", "127.0.0.1:16686"},
	{"extensions.jaeger_query.grpc.endpoint", "JAEGER_QUERY_GRPC", "127.0.0.1:16685"},
	{"extensions.healthcheckv2.http.endpoint", "JAEGER_HEALTH", "127.0.0.1:13133"},
}

func lookup(tree map[string]any, path string) (any, bool) {
	var cur any = tree
	for _, k := range strings.Split(path, ".") {
		m, ok := cur.(map[string]any)
		if !ok {
			return nil, false
		}
		if cur, ok = m[k]; !ok {
			return nil, false
		}
	}
	return cur, true
}

// addresses collects every "endpoint" and "host" value in the tree, keyed by path.
func addresses(node any, path string, out map[string]string) {
	switch n := node.(type) {
	case map[string]any:
		for k, v := range n {
			p := strings.TrimPrefix(path+"."+k, ".")
			if s, ok := v.(string); ok && (k == "endpoint" || k == "host") {
				out[p] = s
				continue
			}
			addresses(v, p, out)
		}
	case []any:
		for i, v := range n {
			addresses(v, fmt.Sprintf("%s[%d]", path, i), out)
		}
	}
}

func isLoopback(addr string) bool {
	host := addr
	if h, _, err := net.SplitHostPort(addr); err == nil {
		host = h
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.Equal(net.IPv4(127, 0, 0, 1))
}

// checkJaegerConfig returns what is wrong with a Jaeger config for local runs
// and tests, after resolving env references with env.
func checkJaegerConfig(src string, env map[string]string) []string {
	var tree map[string]any
	if err := yaml.Unmarshal([]byte(expandEnv(src, env)), &tree); err != nil {
		return []string{"not YAML: " + err.Error()}
	}
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	found := map[string]string{}
	addresses(tree, "", found)
	paths := make([]string, 0, len(found))
	for p := range found {
		paths = append(paths, p)
	}
	sort.Strings(paths)
	for _, p := range paths {
		if !isLoopback(found[p]) {
			add("%s = %q: want 127.0.0.1", p, found[p])
		}
	}
	for _, l := range listeners {
		if _, ok := found[l.path]; !ok {
			add("%s is not set: the component default would apply", l.path)
		}
	}

	allowed := []string{"jaeger_storage", "jaeger_query", "healthcheckv2"}
	exts, _ := lookup(tree, "service.extensions")
	list, _ := exts.([]any)
	for _, e := range list {
		if s, _ := e.(string); !slices.Contains(allowed, s) {
			add("extension %v in service.extensions: only %v are expected (others listen on their own ports)", e, allowed)
		}
	}
	if v, _ := lookup(tree, "service.pipelines.traces.receivers"); fmt.Sprint(v) != "[otlp]" {
		add("traces receivers = %v, want [otlp]", v)
	}
	if v, _ := lookup(tree, "service.pipelines.traces.processors"); fmt.Sprint(v) != "[]" {
		add("traces processors = %v, want none (a trace is then queryable right after export)", v)
	}
	if v, _ := lookup(tree, "service.pipelines.traces.exporters"); fmt.Sprint(v) != "[jaeger_storage_exporter]" {
		add("traces exporters = %v, want [jaeger_storage_exporter]", v)
	}
	if v, _ := lookup(tree, "service.telemetry.metrics.level"); v != "none" {
		add("service.telemetry.metrics.level = %v, want none (else a Prometheus endpoint on localhost:8888)", v)
	}
	if v, ok := lookup(tree, "extensions.jaeger_query.enable_tracing"); !ok || v != false {
		add("extensions.jaeger_query.enable_tracing = %v, want false (the v2 default traces Jaeger itself)", v)
	}
	if v, _ := lookup(tree, "extensions.healthcheckv2.use_v2"); v != true {
		add("extensions.healthcheckv2.use_v2 = %v, want true", v)
	}
	if v, _ := lookup(tree, "extensions.healthcheckv2.http.status.path"); v != "/status" {
		add("extensions.healthcheckv2.http.status.path = %v, want /status", v)
	}
	return problems
}

func readJaegerConfig(t *testing.T) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(repoRoot(t), "deploy", "jaeger", "config.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	return string(data)
}

func TestJaegerConfig(t *testing.T) {
	for _, p := range checkJaegerConfig(readJaegerConfig(t), nil) {
		t.Errorf("deploy/jaeger/config.yaml: %s", p)
	}
}

// TestJaegerConfigOverrides: each listener has its own variable (tests run
// Jaegers on free ports with this file) and its documented default.
func TestJaegerConfigOverrides(t *testing.T) {
	src := readJaegerConfig(t)
	for _, l := range listeners {
		t.Run(l.env, func(t *testing.T) {
			var tree map[string]any
			if err := yaml.Unmarshal([]byte(expandEnv(src, nil)), &tree); err != nil {
				t.Fatal(err)
			}
			if v, _ := lookup(tree, l.path); v != l.defaultAddr {
				t.Errorf("%s default = %v, want %s", l.path, v, l.defaultAddr)
			}
			if err := yaml.Unmarshal([]byte(expandEnv(src, map[string]string{l.env: "127.0.0.1:1"})), &tree); err != nil {
				t.Fatal(err)
			}
			if v, _ := lookup(tree, l.path); v != "127.0.0.1:1" {
				t.Errorf("%s with %s=127.0.0.1:1 = %v: the variable does not reach it", l.path, l.env, v)
			}
			// The check must see a non-loopback override (as in the container).
			want := fmt.Sprintf("%s = %q: want 127.0.0.1", l.path, "0.0.0.0:1")
			if got := checkJaegerConfig(src, map[string]string{l.env: "0.0.0.0:1"}); !slices.Contains(got, want) {
				t.Errorf("problems = %q, want %q", got, want)
			}
		})
	}
	if !strings.Contains(src, "${env:JAEGER_MAX_TRACES:-") {
		t.Error("max_traces cannot be overridden with JAEGER_MAX_TRACES")
	}
}

func TestCheckJaegerConfigCatches(t *testing.T) {
	src := readJaegerConfig(t)
	tests := []struct {
		name, old, new, want string
	}{
		{"self tracing", "enable_tracing: false", "enable_tracing: true",
			"extensions.jaeger_query.enable_tracing = true, want false (the v2 default traces Jaeger itself)"},
		{"metrics on", "level: none\n    traces:", "level: basic\n    traces:",
			"service.telemetry.metrics.level = basic, want none (else a Prometheus endpoint on localhost:8888)"},
		{"batch", "processors: []", "processors: [batch]",
			"traces processors = [batch], want none (a trace is then queryable right after export)"},
		{"pprof", "extensions: [jaeger_storage, jaeger_query, healthcheckv2]", "extensions: [jaeger_storage, jaeger_query, healthcheckv2, pprof]",
			"extension pprof in service.extensions: only [jaeger_storage jaeger_query healthcheckv2] are expected (others listen on their own ports)"},
		{"query default endpoint", `endpoint: "${env:JAEGER_QUERY_HTTP:-127.0.0.1:16686}"`, `foo: bar`,
			"extensions.jaeger_query.http.endpoint is not set: the component default would apply"},
		{"localhost", "JAEGER_HEALTH:-127.0.0.1:13133", "JAEGER_HEALTH:-localhost:13133",
			`extensions.healthcheckv2.http.endpoint = "localhost:13133": want 127.0.0.1`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if !strings.Contains(src, tt.old) {
				t.Fatalf("config.yaml no longer contains %q: update this case", tt.old)
			}
			got := checkJaegerConfig(strings.Replace(src, tt.old, tt.new, 1), nil)
			if !slices.Contains(got, tt.want) {
				t.Errorf("problems = %q, want %q among them", got, tt.want)
			}
		})
	}
}
