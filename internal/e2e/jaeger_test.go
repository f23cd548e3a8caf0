package e2e

import (
	"context"
	"errors"
	"maps"
	"net"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/internal/jaegertest"
	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
	"github.com/escrowd/escrowd/pkg/trace"
)

// TestEscrowTracesInJaeger runs one leased escrow that succeeds and two
// shared-mode escrows lined up by a Barrier so that at least one fails, with
// the file and the OTLP exporter both on, and reads every escrow back from
// Jaeger and from its file.
func TestEscrowTracesInJaeger(t *testing.T) {
	skipShort(t)
	j := jaegertest.Start(t)
	servers := wallettest.Start(t, 4).Servers()
	dir := t.TempDir()
	p := setupTracing(t, trace.Config{
		Enabled: true, File: true, FileDir: dir, IncludeOTLP: true,
		OTLP: true, OTLPEndpoint: "http://" + j.OTLPEndpoint(),
	})
	ok := leased(t, p, servers[:3])
	// Shared mode on one server: the Barrier makes the two escrows' calls
	// land on whichever wallet was opened last, every time.
	race, err := multisig.New(multisig.Config{
		Mode: multisig.ModeShared, Server: servers[3], Secret: testSecret,
		Barrier: multisig.NewBarrier(2, time.Minute), Observer: p.Observer(), Middleware: p.Middleware(),
	})
	if err != nil {
		t.Fatal(err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), escrowTimeout)
	defer cancel()
	ids := []string{uuid.NewString(), uuid.NewString(), uuid.NewString()}
	errs := make([]error, len(ids))
	var wg sync.WaitGroup
	for i, id := range ids {
		c := race
		if i == 0 {
			c = ok
		}
		wg.Go(func() { _, errs[i] = c.Run(ctx, multisig.Escrow{ID: id}) })
	}
	wg.Wait()
	if errs[0] != nil {
		t.Fatalf("leased escrow: %v", errs[0])
	}
	if errs[1] == nil && errs[2] == nil {
		t.Fatal("the forced shared-mode race failed no escrow")
	}

	// Shutdown flushes the batcher: after it, Jaeger has every span.
	shutCtx, shutCancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer shutCancel()
	if err := p.Shutdown(shutCtx); err != nil {
		t.Fatalf("Shutdown with Jaeger up: %v", err)
	}

	for i, id := range ids {
		name := "leased-success"
		switch {
		case i > 0 && errs[i] != nil:
			name = "shared-failed"
		case i > 0:
			name = "shared-success"
		}
		t.Run(name, func(t *testing.T) {
			if errs[i] != nil {
				t.Logf("escrow %s failed as forced: %v", id, errs[i])
			}
			checkInJaeger(t, j, dir, id, errs[i])
		})
	}
}

// checkInJaeger compares what Jaeger shows of an escrow with its file.
// runErr is what the coordinator returned for it.
func checkInJaeger(t *testing.T, j *jaegertest.Jaeger, dir, escrowID string, runErr error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	f := readEscrowFile(t, dir, escrowID)
	n := escrowtracetest.CountTypes(f)
	failed := runErr != nil
	wantOutcome := escrowtrace.OutcomeSuccess
	if failed {
		wantOutcome = escrowtrace.OutcomeFailed
	}
	if f.Outcome != wantOutcome {
		t.Fatalf("file outcome %s, want %s", f.Outcome, wantOutcome)
	}
	if !failed && (n[escrowtrace.EventRPCCallStart] != 36 || escrowtracetest.SetupSnapshots(n) != 21) {
		t.Fatalf("successful escrow's file: %v; want 36 calls and 21 snapshots", n)
	}

	// A wallet's error answer is a failed call: the file has its
	// RPC_CALL_ERROR, which checkRPCSpans then finds marked in Jaeger.
	var werr *walletrpc.Error
	if errors.As(runErr, &werr) && n[escrowtrace.EventRPCCallError] == 0 {
		t.Fatalf("escrow failed on a wallet error (%v) but its file has no RPC_CALL_ERROR: %v", runErr, n)
	}

	traceID, err := escrow.TraceIDFor(escrowID)
	if err != nil {
		t.Fatal(err)
	}
	// The root and the RPC spans at least; phase spans come on top.
	body, err := j.WaitTrace(ctx, traceID, n[escrowtrace.EventRPCCallStart]+1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := decodeV1(body)
	if err != nil {
		t.Fatal(err)
	}
	if tr.TraceID != traceID {
		t.Fatalf("Jaeger answered trace %s for %s", tr.TraceID, traceID)
	}

	t.Logf("what Jaeger shows (key:type):\n%s", names(tr))
	t.Run("rpc spans", func(t *testing.T) { checkRPCSpans(t, tr, f) })
	t.Run("snapshot logs", func(t *testing.T) { checkSnapshotLogs(t, tr, f) })
	t.Run("root span", func(t *testing.T) { checkRoot(t, tr, f) })
	t.Run("search by escrow.id", func(t *testing.T) {
		found, err := j.FindByTag(ctx, "escrowd", escrowtrace.AttrEscrowID, escrowID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(found, []string{traceID}) {
			t.Fatalf("search escrow.id=%s found traces %v, want [%s]", escrowID, found, traceID)
		}
	})
	t.Run("timeline", func(t *testing.T) {
		jc, err := analysis.NewJaeger(j.QueryURL(), 0)
		if err != nil {
			t.Fatal(err)
		}
		fromJaeger, err := jc.Fetch(ctx, escrowID)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameTimeline(f, fromJaeger); d != "" {
			t.Errorf("Jaeger's timeline differs from the file's: %s", d)
		}
		fromOTLP, err := analysis.ParseOTLPSection(f)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameTimeline(f, fromOTLP); d != "" {
			t.Errorf("the otlp section's timeline differs from the file's: %s", d)
		}
		if d := sameTimeline(fromOTLP, fromJaeger); d != "" {
			t.Errorf("Jaeger's timeline differs from the otlp section's: %s", d)
		}
	})
}

// checkRPCSpans: one client span per RPC_CALL_START of the file, under the
// same span ID, with the call's tags; the failed calls marked as errors.
func checkRPCSpans(t *testing.T, tr v1Trace, f *escrowtrace.File) {
	starts := map[string]escrowtrace.Event{}
	failedCalls := map[string]bool{}
	for _, e := range f.Events {
		switch e.Type {
		case escrowtrace.EventRPCCallStart:
			starts[e.SpanID] = e
		case escrowtrace.EventRPCCallError:
			failedCalls[e.SpanID] = true
		}
	}
	seen := 0
	for _, s := range tr.Spans {
		method, ok := s.tag(escrowtrace.AttrRPCMethod)
		if !ok {
			continue // the root or a phase span
		}
		seen++
		if p := tr.Processes[s.ProcessID]; p.ServiceName != "escrowd" {
			t.Errorf("span %s: service %q, want escrowd", s.SpanID, p.ServiceName)
		}
		start, ok := starts[s.SpanID]
		if !ok {
			t.Errorf("Jaeger span %s (%s) has no RPC_CALL_START in the file", s.SpanID, method)
			continue
		}
		host, _, err := net.SplitHostPort(start.Endpoint)
		if err != nil {
			t.Fatalf("file endpoint %q: %v", start.Endpoint, err)
		}
		want := map[string]string{
			escrowtrace.AttrRPCMethod:     start.Method,
			"rpc.system.name":             "jsonrpc",
			escrowtrace.AttrServerAddress: host,
			escrowtrace.AttrEscrowID:      f.EscrowID,
			escrowtrace.AttrEscrowRole:    start.Role,
			"span.kind":                   "client",
		}
		if start.Round != 0 {
			want[escrowtrace.AttrEscrowRound] = strconv.Itoa(start.Round)
		} else if r, ok := s.tag(escrowtrace.AttrEscrowRound); ok {
			t.Errorf("span %s (%s) outside the rounds has escrow.round=%s", s.SpanID, method, r)
		}
		if failedCalls[s.SpanID] {
			want["error"] = "true"
			want["otel.status_code"] = "ERROR"
		} else {
			for _, k := range []string{"error", "otel.status_code"} {
				if v, ok := s.tag(k); ok {
					t.Errorf("successful call %s (%s) has %s=%s", s.SpanID, method, k, v)
				}
			}
		}
		if s.OperationName != start.Method {
			t.Errorf("span %s named %q, want the method %q", s.SpanID, s.OperationName, start.Method)
		}
		for k, v := range want {
			if got, ok := s.tag(k); !ok || got != v {
				t.Errorf("span %s (%s): tag %s=%q (present %v), want %q; tags %v", s.SpanID, method, k, got, ok, v, keys(s.Tags))
			}
		}
	}
	if seen != len(starts) {
		t.Errorf("Jaeger has %d RPC spans, the file %d RPC_CALL_START events", seen, len(starts))
	}
}

// snapshotFields are the tags every snapshot log carries.
var snapshotFields = []string{
	escrowtrace.AttrEscrowRole, escrowtrace.AttrEscrowRound, escrowtrace.AttrWalletID,
	escrowtrace.AttrSnapshotIsMultisig, escrowtrace.AttrSnapshotReady, escrowtrace.AttrSnapshotThreshold,
	escrowtrace.AttrSnapshotTotal, escrowtrace.AttrSnapshotBalance, escrowtrace.AttrSnapshotUnlockedBalance,
}

// checkSnapshotLogs: each snapshot event of the file is a log in Jaeger,
// named by its "event" field, with the wallet's state as fields.
func checkSnapshotLogs(t *testing.T, tr v1Trace, f *escrowtrace.File) {
	want := map[string]int{}
	for _, e := range f.Events {
		if escrow.IsSnapshotName(e.Type) {
			// Role and point identify a snapshot within one escrow.
			want[e.Type+"/"+e.Role]++
		}
	}
	got := map[string]int{}
	for _, s := range tr.Spans {
		for _, l := range s.Logs {
			name, _ := lookup(l.Fields, "event")
			if !escrow.IsSnapshotName(name) {
				continue
			}
			role, _ := lookup(l.Fields, escrowtrace.AttrEscrowRole)
			got[name+"/"+role]++
			for _, k := range snapshotFields {
				if _, ok := lookup(l.Fields, k); !ok {
					t.Errorf("%s log of %s lacks %s; fields %v", name, role, k, keys(l.Fields))
				}
			}
			if !strings.HasPrefix(name, "SNAPSHOT_") {
				t.Errorf("snapshot log named %q", name)
			}
		}
	}
	if !maps.Equal(got, want) {
		t.Errorf("snapshot logs in Jaeger %v, in the file %v", got, want)
	}
}

// checkRoot: the root span carries the escrow ID and outcome; a failed
// escrow's root is an error with one ERROR_FINAL log saying where.
func checkRoot(t *testing.T, tr v1Trace, f *escrowtrace.File) {
	var roots []v1Span
	for _, s := range tr.Spans {
		if s.OperationName == escrowtrace.SpanNameEscrow {
			roots = append(roots, s)
		}
	}
	if len(roots) != 1 {
		t.Fatalf("%d %s spans, want 1", len(roots), escrowtrace.SpanNameEscrow)
	}
	root := roots[0]
	for k, v := range map[string]string{
		escrowtrace.AttrEscrowID:      f.EscrowID,
		escrowtrace.AttrEscrowOutcome: f.Outcome,
	} {
		if got, _ := root.tag(k); got != v {
			t.Errorf("root tag %s=%q, want %q; tags %v", k, got, v, keys(root.Tags))
		}
	}
	finals := root.logsNamed(escrowtrace.EventErrorFinal)
	if f.Outcome == escrowtrace.OutcomeSuccess {
		if len(finals) != 0 {
			t.Errorf("successful escrow's root has %d ERROR_FINAL logs", len(finals))
		}
		if v, ok := root.tag("error"); ok {
			t.Errorf("successful escrow's root has error=%s", v)
		}
		return
	}
	if v, _ := root.tag("error"); v != "true" {
		t.Errorf("failed escrow's root: error=%q, want true", v)
	}
	if v, _ := root.tag("otel.status_code"); v != "ERROR" {
		t.Errorf("failed escrow's root: otel.status_code=%q, want ERROR", v)
	}
	if len(finals) != 1 {
		t.Fatalf("failed escrow's root has %d ERROR_FINAL logs, want 1", len(finals))
	}
	if f.Error == nil {
		t.Fatal("failed escrow's file has no error")
	}
	fields := finals[0].Fields
	for k, v := range map[string]string{
		escrowtrace.AttrErrorMessage:    f.Error.Message,
		escrowtrace.AttrEscrowOperation: f.Error.Operation,
		escrowtrace.AttrEscrowID:        f.EscrowID,
	} {
		if got, _ := lookup(fields, k); got != v {
			t.Errorf("ERROR_FINAL %s=%q, want %q; fields %v", k, got, v, keys(fields))
		}
	}
	if f.Error.Role != "" {
		if got, _ := lookup(fields, escrowtrace.AttrEscrowRole); got != f.Error.Role {
			t.Errorf("ERROR_FINAL role %q, want %q", got, f.Error.Role)
		}
	}
}
