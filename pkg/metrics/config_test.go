package metrics

import (
	"strings"
	"testing"
)

func TestConfigFromEnv(t *testing.T) {
	on := func(m map[string]string) map[string]string { m["ENABLE_INSTRUMENTATION"] = "1"; return m }
	tests := []struct {
		name                         string
		env                          map[string]string
		enabled, prom, otlp, console bool
		protocol                     string
	}{
		{"off by default", map[string]string{}, false, true, false, false, ""},
		{"on: prometheus", on(map[string]string{}), true, true, false, false, ""},
		{"sdk disabled", on(map[string]string{"OTEL_SDK_DISABLED": "true"}), false, true, false, false, ""},
		{"otlp http", on(map[string]string{"OTEL_METRICS_EXPORTER": "otlp", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf"}), true, false, true, false, "http/protobuf"},
		{"metrics protocol wins", on(map[string]string{"OTEL_METRICS_EXPORTER": "otlp,prometheus", "OTEL_EXPORTER_OTLP_PROTOCOL": "http/protobuf", "OTEL_EXPORTER_OTLP_METRICS_PROTOCOL": "grpc"}), true, true, true, false, "grpc"},
		{"none turns off", on(map[string]string{"OTEL_METRICS_EXPORTER": "none"}), false, false, false, false, ""},
		{"console", on(map[string]string{"OTEL_METRICS_EXPORTER": "console"}), true, false, false, true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := ConfigFromEnv(func(k string) string { return tt.env[k] })
			if c.Enabled != tt.enabled || c.Prometheus != tt.prom || c.OTLP != tt.otlp || c.Console != tt.console || c.OTLPProtocol != tt.protocol {
				t.Fatalf("ConfigFromEnv = %+v", c)
			}
			if err := c.Validate(); err != nil {
				t.Fatal(err)
			}
		})
	}
	for _, env := range []map[string]string{
		on(map[string]string{"OTEL_METRICS_EXPORTER": "statsd"}),
		on(map[string]string{"OTEL_EXPORTER_OTLP_PROTOCOL": "http/json"}),
	} {
		err := ConfigFromEnv(func(k string) string { return env[k] }).Validate()
		if err == nil || !(strings.Contains(err.Error(), "OTEL_METRICS_EXPORTER") || strings.Contains(err.Error(), "OTLP protocol")) {
			t.Errorf("%v: Validate() = %v, want a clear error", env, err)
		}
	}
}
