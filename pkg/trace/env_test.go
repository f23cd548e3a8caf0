package trace

import (
	"bufio"
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	semconv "go.opentelemetry.io/otel/semconv/v1.43.0"
)

func envOf(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

func TestConfigFromEnvStandardVariables(t *testing.T) {
	on := func(m map[string]string) map[string]string { m["ENABLE_INSTRUMENTATION"] = "1"; return m }
	tests := []struct {
		name  string
		env   map[string]string
		check func(Config) bool
	}{
		{"protocol http", on(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_ENDPOINT": "http://c:4318"}),
			func(c Config) bool { return c.OTLP && c.OTLPProtocol == ProtocolHTTPProtobuf }},
		{"traces protocol wins", on(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc", "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL": "http/protobuf"}),
			func(c Config) bool { return c.OTLPProtocol == ProtocolHTTPProtobuf && !c.OTLP }},
		{"console and otlp", on(map[string]string{"OTEL_TRACES_EXPORTER": "console, otlp"}),
			func(c Config) bool { return c.OTLP && c.Console }},
		{"none wins", on(map[string]string{"OTEL_TRACES_EXPORTER": "otlp,none,console"}),
			func(c Config) bool { return !c.OTLP && !c.Console }},
		{"sampler", on(map[string]string{"OTEL_TRACES_SAMPLER": "parentbased_traceidratio", "OTEL_TRACES_SAMPLER_ARG": "0.25"}),
			func(c Config) bool { return c.Sampler == SamplerParentBasedTraceIDRatio && c.SamplerArg == "0.25" }},
		{"propagators", map[string]string{"OTEL_PROPAGATORS": "b3, tracecontext"},
			func(c Config) bool { return strings.Join(c.Propagators, "|") == "b3|tracecontext" }},
		{"resource", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.version=1.2.3"},
			func(c Config) bool { return c.ResourceAttributes == "service.version=1.2.3" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ConfigFromEnv(envOf(tt.env))
			if !tt.check(c) {
				t.Fatalf("ConfigFromEnv(%v) = %+v", tt.env, c)
			}
			if err := c.Validate(); err != nil {
				t.Fatalf("valid environment refused: %v", err)
			}
		})
	}
}

// TestValidateRefusesBadEnvironment: every bad value is a clear error naming
// its variable, before anything starts.
func TestValidateRefusesBadEnvironment(t *testing.T) {
	tests := []struct {
		env  map[string]string
		want string
	}{
		{map[string]string{"OTEL_TRACES_EXPORTER": "zipkin"}, `OTEL_TRACES_EXPORTER: unknown exporter "zipkin"`},
		{map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}, `OTLP protocol "http/json"`},
		{map[string]string{"OTEL_TRACES_SAMPLER": "jaeger_remote"}, `OTEL_TRACES_SAMPLER="jaeger_remote": not supported`},
		{map[string]string{"OTEL_TRACES_SAMPLER": "traceidratio", "OTEL_TRACES_SAMPLER_ARG": "1.5"}, `OTEL_TRACES_SAMPLER_ARG="1.5"`},
		{map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.version"}, `OTEL_RESOURCE_ATTRIBUTES: "service.version" is not key=value`},
		{map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "a=%zz"}, `OTEL_RESOURCE_ATTRIBUTES: value of a`},
		{map[string]string{"OTEL_PROPAGATORS": "nonesuch"}, `OTEL_PROPAGATORS`},
	}
	for _, tt := range tests {
		t.Run(tt.want, func(t *testing.T) {
			tt.env["ENABLE_INSTRUMENTATION"] = "1"
			err := ConfigFromEnv(envOf(tt.env)).Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want an error with %q", err, tt.want)
			}
			if _, err := Setup(context.Background(), ConfigFromEnv(envOf(tt.env))); err == nil {
				t.Fatal("Setup accepted it")
			}
		})
	}
}

// TestResourceFromEnvironment: OTEL_RESOURCE_ATTRIBUTES is applied over
// escrowd's defaults, and OTEL_SERVICE_NAME over that.
func TestResourceFromEnvironment(t *testing.T) {
	tests := []struct {
		name              string
		env               map[string]string
		wantName, wantVer string
	}{
		{"defaults", nil, "escrowd", "v9"},
		{"attributes win", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.version=1.2.3,service.name=esc%20a,deployment.environment.name=test"}, "esc a", "1.2.3"},
		{"service name wins over attributes", map[string]string{"OTEL_RESOURCE_ATTRIBUTES": "service.name=a", "OTEL_SERVICE_NAME": "b"}, "b", "v9"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rec := tracetest.NewSpanRecorder()
			cfg := ConfigFromEnv(envOf(tt.env))
			cfg.Enabled, cfg.File, cfg.ServiceVersion = true, false, "v9"
			cfg.SpanProcessors = []sdktrace.SpanProcessor{rec}
			p, err := Setup(context.Background(), cfg)
			if err != nil {
				t.Fatal(err)
			}
			defer p.Shutdown(context.Background())
			_, s := p.TracerProvider().Tracer("t").Start(context.Background(), "x")
			s.End()
			res := rec.Ended()[0].Resource()
			name, _ := res.Set().Value(semconv.ServiceNameKey)
			ver, _ := res.Set().Value(semconv.ServiceVersionKey)
			if name.AsString() != tt.wantName || ver.AsString() != tt.wantVer {
				t.Fatalf("resource %v: name %q version %q, want %q %q", res, name.AsString(), ver.AsString(), tt.wantName, tt.wantVer)
			}
		})
	}
}

// TestOTLPProtocolFromEnvironment: OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf
// sends OTLP/HTTP (POST /v1/traces), grpc (and the default) an HTTP/2
// connection preface.
func TestOTLPProtocolFromEnvironment(t *testing.T) {
	t.Run("http/protobuf", func(t *testing.T) {
		got := make(chan string, 16)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			got <- r.Method + " " + r.URL.Path + " " + r.Header.Get("Content-Type")
			w.Header().Set("Content-Type", "application/x-protobuf")
		}))
		defer srv.Close()
		t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
		t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", srv.URL)
		exportOne(t, false)
		select {
		case g := <-got:
			if g != "POST /v1/traces application/x-protobuf" {
				t.Fatalf("collector got %q", g)
			}
		case <-time.After(time.Minute):
			t.Fatal("no OTLP/HTTP request")
		}
	})
	for _, proto := range []string{"grpc", ""} {
		t.Run("grpc "+proto, func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			got := make(chan string, 1)
			go func() {
				c, err := ln.Accept()
				if err != nil {
					got <- err.Error()
					return
				}
				defer c.Close()
				line, _ := bufio.NewReader(c).ReadString('\n')
				got <- strings.TrimSpace(line)
			}()
			t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", proto)
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+ln.Addr().String())
			t.Setenv("OTEL_EXPORTER_OTLP_TIMEOUT", "2000")
			exportOne(t, true)
			select {
			case g := <-got:
				if g != "PRI * HTTP/2.0" {
					t.Fatalf("collector got %q, want the HTTP/2 preface", g)
				}
			case <-time.After(time.Minute):
				t.Fatal("no gRPC connection")
			}
		})
	}
}

// exportOne sets tracing up from the process environment, ends one span and
// flushes it out (a failed flush is expected when the collector is a bare
// socket).
func exportOne(t *testing.T, mayFail bool) {
	t.Helper()
	cfg := ConfigFromEnv(func(k string) string {
		if k == "ENABLE_INSTRUMENTATION" {
			return "1"
		}
		if k == "ESCROWD_TRACE_FILES" {
			return "0"
		}
		return lookupEnv(k)
	})
	p, err := Setup(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	_, s := p.TracerProvider().Tracer("t").Start(context.Background(), "x")
	s.End()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	if err := p.ForceFlush(ctx); err != nil && !mayFail {
		t.Fatal(err)
	}
	_ = p.Shutdown(ctx)
}

// TestPropagatorFromEnvironment: OTEL_PROPAGATORS=b3 reads a B3 header,
// which the default (W3C) ignores.
func TestPropagatorFromEnvironment(t *testing.T) {
	h := http.Header{"B3": {"80f198ee56343ba864fe8b2a57d3eff7-e457b5a2e4d86bd1-1"}}
	for _, tt := range []struct {
		env  string
		want bool
	}{{"", false}, {"b3", true}, {"tracecontext,b3", true}, {"none", false}} {
		p, err := Setup(context.Background(), ConfigFromEnv(envOf(map[string]string{"OTEL_PROPAGATORS": tt.env})))
		if err != nil {
			t.Fatal(err)
		}
		ctx := p.Propagator().Extract(context.Background(), propagation.HeaderCarrier(h))
		if got := traceSpanContext(ctx).IsValid(); got != tt.want {
			t.Errorf("OTEL_PROPAGATORS=%q: extracted %v, want %v", tt.env, got, tt.want)
		}
	}
}
