package deploytest

import (
	"context"
	"net/url"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/compose-spec/compose-go/v2/cli"
	"github.com/compose-spec/compose-go/v2/types"
)

// loadCompose loads docker-compose.yml the way `docker compose` does
// (interpolation, normalization, consistency checks), with env as the whole
// environment: the developer's own variables must not make the test pass.
func loadCompose(t *testing.T, env []string) (*types.Project, error) {
	t.Helper()
	root := repoRoot(t)
	opts, err := cli.NewProjectOptions(
		[]string{filepath.Join(root, "docker-compose.yml")},
		cli.WithWorkingDirectory(root),
		cli.WithEnv(env),
		cli.WithDiscardEnvFile,
	)
	if err != nil {
		return nil, err
	}
	return opts.LoadProject(context.Background())
}

func mustLoadCompose(t *testing.T) *types.Project {
	t.Helper()
	p, err := loadCompose(t, []string{"ESCROWD_API_TOKEN=test-token-not-secret"})
	if err != nil {
		t.Fatalf("load docker-compose.yml: %v", err)
	}
	return p
}

func service(t *testing.T, p *types.Project, name string) types.ServiceConfig {
	t.Helper()
	s, err := p.GetService(name)
	if err != nil {
		t.Fatalf("docker-compose.yml: %v", err)
	}
	return s
}

func TestComposeServices(t *testing.T) {
	p := mustLoadCompose(t)
	got := p.ServiceNames()
	slices.Sort(got)
	if want := []string{"escrowd", "grafana", "jaeger", "prometheus"}; !slices.Equal(got, want) {
		t.Errorf("services = %v, want %v", got, want)
	}
}

// TestComposeJaegerMatchesPin keeps the container's Jaeger and the one of local
// runs and tests (built from deploy/jaeger/go.mod) the same release.
func TestComposeJaegerMatchesPin(t *testing.T) {
	pinned, err := PinnedJaegerModule(filepath.Join(repoRoot(t), "deploy", "jaeger", "go.mod"))
	if err != nil {
		t.Fatal(err)
	}
	release, err := JaegerRelease(pinned)
	if err != nil {
		t.Fatal(err)
	}
	jaeger := service(t, mustLoadCompose(t), "jaeger")
	if want := "jaegertracing/jaeger:" + release; jaeger.Image != want {
		t.Errorf("jaeger image = %q, want %q (deploy/jaeger/go.mod pins %s %s)", jaeger.Image, want, JaegerModule, pinned)
	}
}

func TestComposePorts(t *testing.T) {
	p := mustLoadCompose(t)
	tests := []struct {
		service string
		want    []uint32 // container ports that must be published
	}{
		{service: "jaeger", want: []uint32{16686, 4317}},
		{service: "escrowd", want: []uint32{8080}},
		{service: "prometheus", want: []uint32{9090}},
		{service: "grafana", want: []uint32{3000}},
	}
	for _, tt := range tests {
		t.Run(tt.service, func(t *testing.T) {
			s := service(t, p, tt.service)
			published := map[uint32]bool{}
			for _, port := range s.Ports {
				// Every published port, not only the expected ones: nothing of
				// this stack is meant for the network.
				if port.HostIP != "127.0.0.1" {
					t.Errorf("port %d is published on host IP %q, want 127.0.0.1", port.Target, port.HostIP)
				}
				if port.Published != "" && port.Published != strconv.FormatUint(uint64(port.Target), 10) {
					t.Errorf("port %d is published as host port %s, want the same number", port.Target, port.Published)
				}
				published[port.Target] = true
			}
			for _, w := range tt.want {
				if !published[w] {
					t.Errorf("port %d is not published (ports: %+v)", w, s.Ports)
				}
			}
		})
	}
}

func TestComposeEscrowdEnvironment(t *testing.T) {
	p := mustLoadCompose(t)
	escrowd := service(t, p, "escrowd")
	env := escrowd.Environment

	if v := env["ENABLE_INSTRUMENTATION"]; v == nil || *v != "1" {
		t.Errorf("ENABLE_INSTRUMENTATION = %v, want 1", deref(v))
	}
	if v := env["ESCROWD_API_TOKEN"]; v == nil || *v != "test-token-not-secret" {
		t.Errorf("ESCROWD_API_TOKEN = %v, want the value from the environment", deref(v))
	}

	// The OTLP endpoint must name the jaeger service and the port its OTLP
	// gRPC receiver listens on inside the container.
	v := env["OTEL_EXPORTER_OTLP_ENDPOINT"]
	if v == nil {
		t.Fatal("OTEL_EXPORTER_OTLP_ENDPOINT is not set")
	}
	u, err := url.Parse(*v)
	if err != nil {
		t.Fatalf("OTEL_EXPORTER_OTLP_ENDPOINT=%q: %v", *v, err)
	}
	if u.Scheme != "http" || u.Hostname() != "jaeger" || u.Port() != "4317" {
		t.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT = %q, want http://jaeger:4317 (plain gRPC to the jaeger service)", *v)
	}
	jaeger := service(t, p, "jaeger")
	if grpc := jaeger.Environment["JAEGER_OTLP_GRPC"]; grpc == nil || !strings.HasSuffix(*grpc, ":4317") {
		t.Errorf("jaeger JAEGER_OTLP_GRPC = %v, want its OTLP gRPC receiver on port 4317", deref(grpc))
	}
	if _, ok := escrowd.DependsOn["jaeger"]; !ok {
		t.Errorf("escrowd depends_on = %v, want jaeger", escrowd.DependsOn)
	}
	if escrowd.Build == nil || escrowd.Build.Context != repoRoot(t) {
		t.Errorf("escrowd build = %+v, want the repository root (the Dockerfile there)", escrowd.Build)
	}
}

func deref(s *string) string {
	if s == nil {
		return "<unset>"
	}
	return *s
}

// TestComposeRequiresToken: without a token escrowd would refuse to start
// anyway (it listens on 0.0.0.0 in the container); compose must say so first.
func TestComposeRequiresToken(t *testing.T) {
	for _, env := range [][]string{nil, {"ESCROWD_API_TOKEN="}} {
		_, err := loadCompose(t, env)
		if err == nil {
			t.Errorf("env %q: loading docker-compose.yml succeeded, want a required-variable error", env)
			continue
		}
		if !strings.Contains(err.Error(), "ESCROWD_API_TOKEN") {
			t.Errorf("env %q: error %q does not name ESCROWD_API_TOKEN", env, err)
		}
	}
}

func TestComposeVolumes(t *testing.T) {
	p := mustLoadCompose(t)
	root := repoRoot(t)
	tests := []struct {
		service  string
		target   string
		typ      string
		source   string // for named volumes, the project's volume name; for binds, the absolute path
		readOnly bool
	}{
		{service: "escrowd", target: "/data", typ: types.VolumeTypeVolume, source: "escrowd-data"},
		{service: "escrowd", target: "/traces", typ: types.VolumeTypeVolume, source: "escrowd-traces"},
		{service: "jaeger", target: "/etc/jaeger/config.yaml", typ: types.VolumeTypeBind,
			source: filepath.Join(root, "deploy", "jaeger", "config.yaml"), readOnly: true},
		{service: "prometheus", target: "/etc/prometheus/prometheus.yml", typ: types.VolumeTypeBind,
			source: filepath.Join(root, "deploy", "prometheus", "prometheus.yml"), readOnly: true},
		{service: "prometheus", target: "/prometheus", typ: types.VolumeTypeVolume, source: "prometheus-data"},
		{service: "grafana", target: "/etc/grafana/provisioning", typ: types.VolumeTypeBind,
			source: filepath.Join(root, "deploy", "grafana", "provisioning"), readOnly: true},
		{service: "grafana", target: grafanaDashboards, typ: types.VolumeTypeBind,
			source: filepath.Join(root, "deploy", "grafana", "dashboards"), readOnly: true},
	}
	for _, tt := range tests {
		t.Run(tt.service+tt.target, func(t *testing.T) {
			s := service(t, p, tt.service)
			i := slices.IndexFunc(s.Volumes, func(v types.ServiceVolumeConfig) bool { return v.Target == tt.target })
			if i < 0 {
				t.Fatalf("no volume mounted at %s (volumes: %+v)", tt.target, s.Volumes)
			}
			v := s.Volumes[i]
			if v.Type != tt.typ || v.Source != tt.source || v.ReadOnly != tt.readOnly {
				t.Errorf("volume at %s = {type %s, source %s, ro %v}, want {type %s, source %s, ro %v}",
					tt.target, v.Type, v.Source, v.ReadOnly, tt.typ, tt.source, tt.readOnly)
			}
			if tt.typ == types.VolumeTypeVolume {
				if _, ok := p.Volumes[tt.source]; !ok {
					t.Errorf("volume %s is not declared at the top level", tt.source)
				}
			}
		})
	}
	jaeger := service(t, p, "jaeger")
	if !slices.Contains(jaeger.Command, "/etc/jaeger/config.yaml") {
		t.Errorf("jaeger command = %v, want it to use the mounted /etc/jaeger/config.yaml", jaeger.Command)
	}
}
