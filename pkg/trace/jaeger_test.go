package trace_test

import (
	"context"
	"encoding/json"
	"errors"
	"net"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/escrowd/escrowd/internal/jaegertest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/trace"
)

// setupFromEnv builds tracing the way escrowd does: ConfigFromEnv of the
// process environment (set by the test), files in dir.
func setupFromEnv(t *testing.T, dir string) *trace.Provider {
	t.Helper()
	t.Setenv("ENABLE_INSTRUMENTATION", "1")
	t.Setenv("ESCROWD_TRACES_DIR", dir)
	p, err := trace.Setup(context.Background(), trace.ConfigFromEnv(os.Getenv))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// runEscrow makes an escrow's spans through the observer, as the
// coordinator does, without wallet servers; it fails when fail is set.
func runEscrow(p *trace.Provider, id string, fail bool) {
	o := p.Observer()
	ctx := o.StartEscrow(context.Background(), multisig.Escrow{ID: id}, multisig.ModeLeased)
	for _, ph := range []multisig.Phase{multisig.PhaseCreateWallets, multisig.PhaseRound1} {
		pctx := o.StartPhase(ctx, ph)
		o.EndPhase(pctx, nil)
	}
	var err error
	if fail {
		err = errors.New("forced failure")
	}
	o.EndEscrow(ctx, multisig.Result{}, err)
}

type jaegerAnswer struct {
	Data []struct {
		Spans     []json.RawMessage `json:"spans"`
		Processes map[string]struct {
			ServiceName string `json:"serviceName"`
			Tags        []struct {
				Key   string          `json:"key"`
				Value json.RawMessage `json:"value"`
			} `json:"tags"`
		} `json:"processes"`
	} `json:"data"`
}

// TestJaegerOverOTLPHTTP: with OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf and
// the endpoint at Jaeger's OTLP/HTTP port, the escrow's trace reaches the
// real Jaeger, with the service.version of OTEL_RESOURCE_ATTRIBUTES; with
// the ratio sampler at 0 the failed escrow is still exported whole, the
// successful one not, and both files are written.
func TestJaegerOverOTLPHTTP(t *testing.T) {
	if testing.Short() {
		t.Skip("starts Jaeger")
	}
	j := jaegertest.Start(t)
	t.Setenv("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf")
	t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+j.OTLPHTTPEndpoint())
	t.Setenv("OTEL_RESOURCE_ATTRIBUTES", "service.version=1.2.3,deployment.environment.name=test")
	t.Setenv("OTEL_TRACES_SAMPLER", "traceidratio")
	t.Setenv("OTEL_TRACES_SAMPLER_ARG", "0")
	dir := t.TempDir()
	p := setupFromEnv(t, dir)
	okID, failedID := uuid.NewString(), uuid.NewString()
	runEscrow(p, okID, false)
	runEscrow(p, failedID, true)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	if err := p.Shutdown(ctx); err != nil {
		t.Fatal(err)
	}

	failedTrace, _ := escrow.TraceIDFor(failedID)
	body, err := j.WaitTrace(ctx, failedTrace, 3)
	if err != nil {
		t.Fatal(err)
	}
	var a jaegerAnswer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatal(err)
	}
	if len(a.Data) != 1 || len(a.Data[0].Spans) != 3 {
		t.Fatalf("failed escrow in Jaeger: %d traces, want 1 with 3 spans", len(a.Data))
	}
	for _, proc := range a.Data[0].Processes {
		version := ""
		for _, tag := range proc.Tags {
			if tag.Key == "service.version" {
				_ = json.Unmarshal(tag.Value, &version)
			}
		}
		if proc.ServiceName != "escrowd" || version != "1.2.3" {
			t.Errorf("process %s version %q, want escrowd 1.2.3", proc.ServiceName, version)
		}
	}
	okTrace, _ := escrow.TraceIDFor(okID)
	if _, status, err := j.Trace(ctx, okTrace); err != nil || status != 404 {
		t.Errorf("successful escrow under ratio 0: Jaeger answered %d (%v), want 404", status, err)
	}
	for _, id := range []string{okID, failedID} {
		name, _ := escrow.FileName(id)
		if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
			t.Errorf("trace file of %s: %v", id, err)
		}
	}
}

// TestNothingExportedStillFiles: OTEL_TRACES_EXPORTER=none and
// OTEL_TRACES_SAMPLER=always_off send nothing to the configured endpoint
// (no connection is ever made), and the trace files are still written.
func TestNothingExportedStillFiles(t *testing.T) {
	for _, env := range []map[string]string{
		{"OTEL_TRACES_EXPORTER": "none"},
		{"OTEL_TRACES_SAMPLER": "always_off"},
	} {
		t.Run(env["OTEL_TRACES_EXPORTER"]+env["OTEL_TRACES_SAMPLER"], func(t *testing.T) {
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			defer ln.Close()
			var conns atomic.Int64
			go func() {
				for {
					c, err := ln.Accept()
					if err != nil {
						return
					}
					conns.Add(1)
					c.Close()
				}
			}()
			t.Setenv("OTEL_EXPORTER_OTLP_ENDPOINT", "http://"+ln.Addr().String())
			for k, v := range env {
				t.Setenv(k, v)
			}
			dir := t.TempDir()
			p := setupFromEnv(t, dir)
			id := uuid.NewString()
			runEscrow(p, id, true)
			if err := p.Shutdown(context.Background()); err != nil {
				t.Fatal(err)
			}
			if n := conns.Load(); n != 0 {
				t.Errorf("%d connections to the OTLP endpoint, want none", n)
			}
			name, _ := escrow.FileName(id)
			if _, err := os.Stat(filepath.Join(dir, name)); err != nil {
				t.Errorf("trace file: %v", err)
			}
		})
	}
}
