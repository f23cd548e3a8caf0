package logs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"os"
	"strings"
	"testing"

	sdktrace "go.opentelemetry.io/otel/sdk/trace"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/logs"
	"github.com/escrowd/escrowd/pkg/multisig"
)

const (
	escrowID = "0b6e3c4e-2f0a-4a57-9d0e-8f1f1c1a2b3c"
	traceID  = "0b6e3c4e2f0a4a579d0e8f1f1c1a2b3c"
)

func TestHandlerCorrelates(t *testing.T) {
	tp := sdktrace.NewTracerProvider()
	defer tp.Shutdown(context.Background())
	spanCtx, span := tp.Tracer("t").Start(context.Background(), "x")
	defer span.End()
	sc := span.SpanContext()
	stepCtx := multisig.WithStep(context.Background(), multisig.Step{EscrowID: escrowID, Role: escrow.Buyer})

	tests := []struct {
		name string
		log  func(l *slog.Logger)
		want map[string]string // "" means: absent
	}{
		{"plain", func(l *slog.Logger) { l.Info("m") },
			map[string]string{"trace_id": "", "span_id": "", "escrow_id": ""}},
		{"span in context", func(l *slog.Logger) { l.InfoContext(spanCtx, "m") },
			map[string]string{"trace_id": sc.TraceID().String(), "span_id": sc.SpanID().String()}},
		{"escrow attribute", func(l *slog.Logger) { l.Info("m", "escrow_id", escrowID) },
			map[string]string{"trace_id": traceID, "span_id": "", "escrow_id": escrowID}},
		{"escrow from With", func(l *slog.Logger) { l.With("escrow_id", escrowID).Warn("m", "err", "x") },
			map[string]string{"trace_id": traceID, "escrow_id": escrowID}},
		{"escrow in a group is not the escrow", func(l *slog.Logger) { l.WithGroup("g").With("escrow_id", escrowID).Info("m") },
			map[string]string{"trace_id": ""}},
		{"wallet call context", func(l *slog.Logger) { l.InfoContext(stepCtx, "m") },
			map[string]string{"trace_id": traceID, "escrow_id": escrowID}},
		{"trace_id given is kept", func(l *slog.Logger) { l.Info("m", "escrow_id", escrowID, "trace_id", "given") },
			map[string]string{"trace_id": "given"}},
		{"invalid escrow id adds no trace", func(l *slog.Logger) { l.Info("m", "escrow_id", "a/b") },
			map[string]string{"trace_id": ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			l, err := logs.New(logs.FormatJSON, &buf, slog.LevelDebug)
			if err != nil {
				t.Fatal(err)
			}
			tt.log(l)
			if strings.Count(buf.String(), `"trace_id"`) > 1 {
				t.Fatalf("trace_id twice: %s", buf.String())
			}
			var rec map[string]any
			if err := json.Unmarshal(buf.Bytes(), &rec); err != nil {
				t.Fatalf("%v: %s", err, buf.String())
			}
			for k, want := range tt.want {
				got, ok := rec[k].(string)
				if want == "" && ok {
					t.Errorf("%s = %q, want none", k, got)
				}
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q (%s)", k, got, want, buf.String())
				}
			}
		})
	}
}

func TestNewFormats(t *testing.T) {
	for _, tt := range []struct {
		format, prefix string
	}{{"text", "time="}, {"", "time="}, {"json", `{"time":`}} {
		var buf bytes.Buffer
		l, err := logs.New(tt.format, &buf, slog.LevelInfo)
		if err != nil {
			t.Fatal(err)
		}
		l.Debug("hidden")
		l.Info("shown", "escrow_id", escrowID)
		if !strings.HasPrefix(buf.String(), tt.prefix) || strings.Contains(buf.String(), "hidden") || !strings.Contains(buf.String(), traceID) {
			t.Errorf("format %q: %s", tt.format, buf.String())
		}
	}
	if _, err := logs.New("yaml", os.Stderr, slog.LevelInfo); err == nil || !strings.Contains(err.Error(), `log format "yaml"`) {
		t.Fatalf("New(yaml) = %v, want a clear error", err)
	}
}

func ExampleNewHandler() {
	noTime := func(_ []string, a slog.Attr) slog.Attr {
		if a.Key == slog.TimeKey {
			return slog.Attr{}
		}
		return a
	}
	l := slog.New(logs.NewHandler(slog.NewJSONHandler(os.Stdout, &slog.HandlerOptions{ReplaceAttr: noTime})))
	l.With("escrow_id", "0b6e3c4e-2f0a-4a57-9d0e-8f1f1c1a2b3c").Info("escrow ready")
	// Output:
	// {"level":"INFO","msg":"escrow ready","escrow_id":"0b6e3c4e-2f0a-4a57-9d0e-8f1f1c1a2b3c","trace_id":"0b6e3c4e2f0a4a579d0e8f1f1c1a2b3c"}
}
