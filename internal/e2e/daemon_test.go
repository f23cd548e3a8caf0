package e2e

import (
	"bytes"
	"context"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/escrowd/escrowd/analysis"
	"github.com/escrowd/escrowd/internal/jaegertest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/escrowtrace/escrowtracetest"
)

// serverSpanName is the API's server span of an escrow's creation.
const serverSpanName = "POST /api/escrow/init"

// daemonEscrow is one escrow created through a daemon's API: the caller's
// trace context sent with the POST, the API's answer and the trace file the
// API served for it.
type daemonEscrow struct {
	name   string
	d      *escrowdProc
	caller callerContext
	answer escrowAnswer
	raw    []byte // GET /api/escrow/:id/trace
	file   *escrowtrace.File
	// calls is how many wallet RPC calls a successful escrow makes; 0 when
	// it depends on the race.
	calls int
}

// tracedEscrowd starts escrowd as the README runs it with Jaeger:
// ENABLE_INSTRUMENTATION=1 and OTEL_EXPORTER_OTLP_ENDPOINT at j's OTLP/HTTP
// port (OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf: the gRPC path is the
// library e2e tests'), OTEL_RESOURCE_ATTRIBUTES giving service.version; its
// data and trace files go under dir.
//
// The batch span processor is told (the SDK's OTEL_BSP_* variables) to export
// once, at shutdown: no timer (an hour) and no full batch (a few hundred spans
// here, far below the size). Jaeger then holds nothing while escrowd runs and
// everything after SIGTERM, which makes the flush at shutdown observable
// without waiting out a timer.
// resourceVersion is the service.version tracedEscrowd sets through
// OTEL_RESOURCE_ATTRIBUTES, applied over escrowd's own "dev".
const resourceVersion = "1.2.3"

func tracedEscrowd(t *testing.T, bin string, j *jaegertest.Jaeger, dir string, args ...string) *escrowdProc {
	t.Helper()
	return startEscrowd(t, bin, []string{
		"ENABLE_INSTRUMENTATION=1",
		"OTEL_EXPORTER_OTLP_PROTOCOL=http/protobuf",
		"OTEL_EXPORTER_OTLP_ENDPOINT=http://" + j.OTLPHTTPEndpoint(),
		"OTEL_RESOURCE_ATTRIBUTES=service.version=" + resourceVersion,
		"OTEL_BSP_SCHEDULE_DELAY=3600000",
		"OTEL_BSP_MAX_QUEUE_SIZE=16384",
		"OTEL_BSP_MAX_EXPORT_BATCH_SIZE=16384",
	}, append([]string{
		"--listen", "127.0.0.1:0",
		"--data-dir", filepath.Join(dir, "data"),
		"--traces-dir", filepath.Join(dir, "traces"),
	}, args...)...)
}

// TestDaemonTracesInJaeger is issue 6's end to end through the escrowd
// daemon: a real Jaeger, the real escrowd binary exporting to it over
// OTLP/HTTP (port 4318's receiver), real wallet servers. Two daemons run side by side: one in shared mode
// with --shared-barrier 2, where two concurrent escrows race on the one
// server (at least one fails, every time), and one in the default leased
// mode, where an escrow sent at the same time succeeds. Every POST carries a
// W3C traceparent of its own.
//
// Jaeger is empty until the daemons get SIGTERM (see tracedEscrowd); after
// it, Jaeger's answers are held to the trace files the daemons served.
func TestDaemonTracesInJaeger(t *testing.T) {
	skipShort(t)
	start := time.Now() // for the log only: nothing waits on or gates by it
	bin := buildEscrowd(t)
	j := jaegertest.Start(t)
	sharedDir, leasedDir := t.TempDir(), t.TempDir()
	shared := tracedEscrowd(t, bin, j, sharedDir, "--mode", "shared", "--shared-barrier", "2")
	// Three servers, no reserve: one escrow, and no wallets made ahead of it
	// competing for the two cores.
	leased := tracedEscrowd(t, bin, j, leasedDir, "--mode", "leased", "--pool-size", "3", "--reserve", "0")
	t.Logf("escrowd built, both daemons ready after %v", time.Since(start).Round(time.Millisecond))

	ctx, cancel := context.WithTimeout(context.Background(), 2*escrowTimeout)
	defer cancel()

	// The barrier lines the two racers up at every step on the one server,
	// so each call runs on whichever wallet was opened last.
	all := []*daemonEscrow{
		{name: "shared-1", d: shared},
		{name: "shared-2", d: shared},
		{name: "leased", d: leased, calls: 36},
	}
	errs := make([]error, len(all))
	var wg sync.WaitGroup
	for i, e := range all {
		e.caller = newCallerContext()
		wg.Go(func() { e.answer, errs[i] = e.d.initEscrow(ctx, e.name, e.caller.Traceparent()) })
	}
	wg.Wait()
	for _, err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("escrows done after %v", time.Since(start).Round(time.Millisecond))
	failed := 0
	for _, e := range all {
		t.Logf("%s: escrow %s %s %s", e.name, e.answer.EscrowID, e.answer.Status, e.answer.Error)
		if e.d == shared && e.answer.Status == "failed" {
			failed++
		}
	}
	if failed == 0 {
		t.Fatal("the forced shared-mode race failed no escrow")
	}
	if e := all[2]; e.answer.Status != "ready" {
		t.Fatalf("the leased escrow: %+v, want ready", e.answer)
	}

	for _, e := range all {
		id := e.answer.EscrowID
		traceID, err := escrow.TraceIDFor(id)
		if err != nil {
			t.Fatal(err)
		}
		if e.answer.TraceID != traceID {
			t.Fatalf("escrow %s: API trace_id %s, want %s (the escrow's ID)", id, e.answer.TraceID, traceID)
		}
		if e.raw, err = e.d.traceFile(ctx, id); err != nil {
			t.Fatal(err)
		}
		if e.file, _, err = analysis.Parse(e.raw); err != nil {
			t.Fatalf("trace of %s as served: %v", id, err)
		}
		want := escrowtrace.OutcomeSuccess
		if e.answer.Status == "failed" {
			want = escrowtrace.OutcomeFailed
		}
		if e.file.EscrowID != id || e.file.TraceID != traceID || e.file.Outcome != want {
			t.Fatalf("trace of %s as served: escrow %s, trace %s, outcome %s; want %s %s %s",
				id, e.file.EscrowID, e.file.TraceID, e.file.Outcome, id, traceID, want)
		}
	}

	// Nothing has left the batch yet: the escrows' and the requests' traces
	// are all unknown to Jaeger while escrowd runs.
	for _, e := range all {
		for _, tid := range []string{e.file.TraceID, e.caller.TraceID} {
			body, code, err := j.Trace(ctx, tid)
			if err != nil {
				t.Fatal(err)
			}
			if code != http.StatusNotFound {
				t.Fatalf("Jaeger has trace %s before shutdown (HTTP %d): the batch was to be exported at shutdown only; %.300s", tid, code, body)
			}
		}
	}

	shared.terminate()
	leased.terminate()
	t.Logf("both daemons stopped after %v", time.Since(start).Round(time.Millisecond))

	for _, e := range all {
		// The file on disk is the one the API served, and stays after exit.
		name, err := escrow.FileName(e.answer.EscrowID)
		if err != nil {
			t.Fatal(err)
		}
		dir := sharedDir
		if e.d == leased {
			dir = leasedDir
		}
		disk, err := os.ReadFile(filepath.Join(dir, "traces", name))
		if err != nil {
			t.Fatalf("trace file after shutdown: %v", err)
		}
		if !bytes.Equal(disk, e.raw) {
			t.Errorf("%s on disk differs from what GET /api/escrow/%s/trace served", name, e.answer.EscrowID)
		}
	}

	jc, err := analysis.NewJaeger(j.QueryURL(), 0)
	if err != nil {
		t.Fatal(err)
	}
	rpcErrors := 0
	for _, e := range all {
		t.Run(e.name, func(t *testing.T) {
			rpcErrors += checkDaemonEscrow(t, ctx, j, jc, e)
		})
	}
	if rpcErrors == 0 {
		t.Error("no failed escrow has a failed wallet RPC call in its trace: the race was to fail one on a wallet error")
	}
}

// checkDaemonEscrow holds what Jaeger shows of one daemon escrow to the file
// the daemon served, and checks the link to the request that created it. It
// returns how many failed wallet RPC calls the escrow's trace holds.
func checkDaemonEscrow(t *testing.T, ctx context.Context, j *jaegertest.Jaeger, jc *analysis.Jaeger, e *daemonEscrow) int {
	f := e.file
	n := escrowtracetest.CountTypes(f)
	if f.Outcome == escrowtrace.OutcomeSuccess && (n[escrowtrace.EventRPCCallStart] == 0 || escrowtracetest.SetupSnapshots(n) != 21 ||
		e.calls != 0 && n[escrowtrace.EventRPCCallStart] != e.calls) {
		t.Fatalf("successful escrow's file: %v; want %d RPC calls (0: any) and 21 snapshots", n, e.calls)
	}
	if f.Outcome == escrowtrace.OutcomeFailed && n[escrowtrace.EventErrorFinal] != 1 {
		t.Fatalf("failed escrow's file: %v; want one ERROR_FINAL", n)
	}
	t.Logf("escrow %s (%s): %v", f.EscrowID, f.Outcome, n)

	// Polling Jaeger with a deadline: shutdown has exported, the store may
	// answer a moment later. The root and the RPC spans at least.
	body, err := j.WaitTrace(ctx, f.TraceID, n[escrowtrace.EventRPCCallStart]+1)
	if err != nil {
		t.Fatal(err)
	}
	tr, err := decodeV1(body)
	if err != nil {
		t.Fatal(err)
	}
	if tr.TraceID != f.TraceID {
		t.Fatalf("Jaeger answered trace %s for escrow %s's %s", tr.TraceID, f.EscrowID, f.TraceID)
	}
	t.Run("rpc spans", func(t *testing.T) { checkRPCSpans(t, tr, f) })
	t.Run("snapshot logs", func(t *testing.T) { checkSnapshotLogs(t, tr, f) })
	t.Run("root span", func(t *testing.T) { checkRoot(t, tr, f) })
	t.Run("search by escrow.id", func(t *testing.T) {
		found, err := j.FindByTag(ctx, "escrowd", escrowtrace.AttrEscrowID, f.EscrowID)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(found, []string{f.TraceID}) {
			t.Fatalf("search escrow.id=%s found traces %v, want [%s]", f.EscrowID, found, f.TraceID)
		}
	})
	t.Run("timeline from v3", func(t *testing.T) {
		fromJaeger, err := jc.Fetch(ctx, f.EscrowID)
		if err != nil {
			t.Fatal(err)
		}
		if d := sameTimeline(f, fromJaeger); d != "" {
			t.Errorf("the timeline from Jaeger's /api/v3 differs from the served file's: %s", d)
		}
	})
	t.Run("request link", func(t *testing.T) { checkRequestLink(t, ctx, j, tr, body, e) })

	failedCalls := 0
	for _, s := range tr.Spans {
		if v, _ := lookup(tr.Processes[s.ProcessID].Tags, "service.version"); v != resourceVersion {
			t.Errorf("span %s (%s): service.version %q, want %q from OTEL_RESOURCE_ATTRIBUTES", s.SpanID, s.OperationName, v, resourceVersion)
		}
		if _, ok := s.tag(escrowtrace.AttrRPCMethod); !ok {
			continue
		}
		// The JSON-RPC conventions: every call has its request id; a failed
		// one has error.type = the JSON-RPC error code (our own kind under
		// escrow.error.kind) when the wallet answered with one.
		if id, ok := s.tag("jsonrpc.request.id"); !ok || id == "" {
			t.Errorf("RPC span %s (%s) without jsonrpc.request.id", s.SpanID, s.OperationName)
		}
		if v, _ := s.tag("error"); v == "true" {
			failedCalls++
			typ, _ := s.tag("error.type")
			kind, _ := s.tag("escrow.error.kind")
			if code, ok := s.tag("rpc.response.status_code"); ok && typ != code {
				t.Errorf("failed RPC span %s (%s): error.type %q, want the JSON-RPC code %q", s.SpanID, s.OperationName, typ, code)
			}
			if typ == "" || kind == "" {
				t.Errorf("failed RPC span %s (%s): error.type %q, escrow.error.kind %q: want both", s.SpanID, s.OperationName, typ, kind)
			}
		}
	}
	if failedCalls != n[escrowtrace.EventRPCCallError] {
		t.Errorf("Jaeger marks %d RPC spans as errors, the file has %d RPC_CALL_ERROR", failedCalls, n[escrowtrace.EventRPCCallError])
	}
	if f.Outcome == escrowtrace.OutcomeSuccess && failedCalls != 0 {
		t.Errorf("successful escrow with %d failed calls", failedCalls)
	}
	return failedCalls
}

// checkRequestLink: the POST's server span is in the caller's trace, a child
// of the caller's span, and the escrow's root span (a trace of its own) links
// to it, in v1 as a FOLLOWS_FROM reference and in v3 as a link.
func checkRequestLink(t *testing.T, ctx context.Context, j *jaegertest.Jaeger, escrowTrace v1Trace, escrowBody []byte, e *daemonEscrow) {
	reqBody, err := j.WaitTrace(ctx, e.caller.TraceID, 1)
	if err != nil {
		t.Fatal(err)
	}
	req, err := decodeV1(reqBody)
	if err != nil {
		t.Fatal(err)
	}
	// Only the request: the escrow's spans are in the escrow's own trace.
	if len(req.Spans) != 1 {
		t.Fatalf("the request's trace %s holds %d spans, want the server span only", e.caller.TraceID, len(req.Spans))
	}
	server := req.Spans[0]
	if server.OperationName != serverSpanName {
		t.Fatalf("the request's span is %q, want %q", server.OperationName, serverSpanName)
	}
	if p := req.Processes[server.ProcessID]; p.ServiceName != "escrowd" {
		t.Errorf("server span's service %q, want escrowd", p.ServiceName)
	}
	for k, v := range map[string]string{
		"span.kind":                 "server",
		"http.request.method":       http.MethodPost,
		"http.route":                "/api/escrow/init",
		"http.response.status_code": "200",
	} {
		if got, ok := server.tag(k); !ok || got != v {
			t.Errorf("server span tag %s=%q (present %v), want %q; tags %v", k, got, ok, v, keys(server.Tags))
		}
	}
	reqRefs, err := v1References(reqBody)
	if err != nil {
		t.Fatal(err)
	}
	wantParent := v1Ref{RefType: "CHILD_OF", TraceID: e.caller.TraceID, SpanID: e.caller.SpanID}
	if !slices.Contains(reqRefs[server.SpanID], wantParent) {
		t.Errorf("server span's references %+v lack the caller's span %+v", reqRefs[server.SpanID], wantParent)
	}

	var root v1Span
	for _, s := range escrowTrace.Spans {
		if s.OperationName == escrowtrace.SpanNameEscrow {
			root = s
		}
	}
	refs, err := v1References(escrowBody)
	if err != nil {
		t.Fatal(err)
	}
	wantLink := v1Ref{RefType: "FOLLOWS_FROM", TraceID: e.caller.TraceID, SpanID: server.SpanID}
	if got := refs[root.SpanID]; !slices.Equal(got, []v1Ref{wantLink}) {
		t.Errorf("the escrow's root span references %+v, want exactly %+v", got, wantLink)
	}

	v3, code, err := j.TraceV3(ctx, escrowTrace.TraceID)
	if err != nil || code != http.StatusOK {
		t.Fatalf("v3 trace %s: HTTP %d, %v", escrowTrace.TraceID, code, err)
	}
	links, err := v3Links(v3)
	if err != nil {
		t.Fatal(err)
	}
	want := []v3Link{{TraceID: e.caller.TraceID, SpanID: server.SpanID}}
	if got := links[escrowtrace.SpanNameEscrow]; !slices.Equal(got, want) {
		t.Errorf("v3 links of %s: %+v, want %+v", escrowtrace.SpanNameEscrow, got, want)
	}
}
