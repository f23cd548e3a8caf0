package jaegertest

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"syscall"
	"testing"
	"time"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// testEscrowID is a UUID escrow ID; its trace ID is its 16 bytes in hex.
const (
	testEscrowID = "6f9619ff-8b86-4d01-b42d-00c04fc964ff"
	testTraceID  = "6f9619ff8b864d01b42d00c04fc964ff"
)

func testContext(t *testing.T) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func TestTraceV1(t *testing.T) {
	ctx := testContext(t)
	j := Start(t)
	sent := sendEscrowTrace(t, j, testEscrowID)
	if sent.traceID != testTraceID {
		t.Fatalf("sent trace ID %s, want %s (the escrow's UUID)", sent.traceID, testTraceID)
	}

	body, err := j.WaitTrace(ctx, sent.traceID, sent.spans)
	if err != nil {
		t.Fatal(err)
	}
	var answer struct{ Data []v1Trace }
	if err := json.Unmarshal(body, &answer); err != nil {
		t.Fatalf("decode v1 answer: %v\n%s", err, body)
	}
	if len(answer.Data) != 1 {
		t.Fatalf("v1 answer has %d traces, want 1", len(answer.Data))
	}
	tr := answer.Data[0]
	if tr.TraceID != testTraceID {
		t.Errorf("traceID = %q, want %q", tr.TraceID, testTraceID)
	}
	var names []string
	for _, s := range tr.Spans {
		names = append(names, s.OperationName)
		if s.TraceID != testTraceID {
			t.Errorf("span %s traceID = %q", s.OperationName, s.TraceID)
		}
		if p := tr.Processes[s.ProcessID]; p.ServiceName != testService {
			t.Errorf("span %s: process %q service = %q, want %q", s.OperationName, s.ProcessID, p.ServiceName, testService)
		}
		tag, ok := findTag(s.Tags, escrowtrace.AttrEscrowID)
		if !ok || tag.Type != "string" || string(tag.Value) != `"`+testEscrowID+`"` {
			t.Errorf("span %s: escrow.id tag = %+v", s.OperationName, tag)
		}
		switch s.OperationName {
		case "make_multisig":
			if len(s.Logs) != 1 {
				t.Fatalf("make_multisig logs = %+v, want the snapshot event", s.Logs)
			}
			if ev, _ := findTag(s.Logs[0].Fields, "event"); string(ev.Value) != `"`+escrowtrace.EventSnapshotPreRound1+`"` {
				t.Errorf("log event = %s, want %s", ev.Value, escrowtrace.EventSnapshotPreRound1)
			}
			if f, _ := findTag(s.Logs[0].Fields, escrowtrace.AttrSnapshotIsMultisig); f.Type != "bool" || string(f.Value) != "false" {
				t.Errorf("log field %s = %+v, want bool false", escrowtrace.AttrSnapshotIsMultisig, f)
			}
			if r, _ := findTag(s.Tags, escrowtrace.AttrEscrowRound); r.Type != "int64" || string(r.Value) != "1" {
				t.Errorf("escrow.round tag = %+v, want int64 1", r)
			}
		case "exchange_multisig_keys":
			// Status travels as tags in v1.
			if st, _ := findTag(s.Tags, "otel.status_code"); string(st.Value) != `"ERROR"` {
				t.Errorf("otel.status_code = %s, want ERROR", st.Value)
			}
			if e, _ := findTag(s.Tags, "error"); string(e.Value) != "true" {
				t.Errorf("error tag = %s, want true", e.Value)
			}
		}
	}
	slices.Sort(names)
	if want := []string{escrowtrace.SpanNameEscrow, "exchange_multisig_keys", "make_multisig"}; !slices.Equal(names, want) {
		t.Errorf("spans = %v, want %v", names, want)
	}
}

func TestTraceV3(t *testing.T) {
	ctx := testContext(t)
	j := Start(t)
	sent := sendEscrowTrace(t, j, testEscrowID)
	if _, err := j.WaitTrace(ctx, sent.traceID, sent.spans); err != nil {
		t.Fatal(err)
	}
	body, status, err := j.TraceV3(ctx, sent.traceID)
	if err != nil || status != http.StatusOK {
		t.Fatalf("TraceV3 = %d, %v: %s", status, err, body)
	}
	var a v3Answer
	if err := json.Unmarshal(body, &a); err != nil {
		t.Fatalf("decode v3 answer: %v\n%s", err, body)
	}
	spans := a.spans()
	if len(spans) != sent.spans {
		t.Fatalf("v3 answer has %d spans, want %d", len(spans), sent.spans)
	}
	byName := map[string]v3Span{}
	for _, s := range spans {
		byName[s.Name] = s
		if s.TraceID != testTraceID {
			t.Errorf("span %s traceId = %q, want hex %q", s.Name, s.TraceID, testTraceID)
		}
	}
	root := byName[escrowtrace.SpanNameEscrow]
	if root.ParentSpanID != "" || root.Status.Code != 2 || root.Status.Message != "round 2 failed" {
		t.Errorf("root span = parent %q, status %+v; want no parent, error status", root.ParentSpanID, root.Status)
	}
	mk := byName["make_multisig"]
	if mk.ParentSpanID != root.SpanID || mk.Kind != 3 || mk.Status.Code != 0 {
		t.Errorf("make_multisig: parent %q (root %q), kind %d, status %+v; want child of root, client (3), unset", mk.ParentSpanID, root.SpanID, mk.Kind, mk.Status)
	}
	if r, _ := findAttr(mk.Attributes, escrowtrace.AttrEscrowRound); r.Value.IntValue == nil || *r.Value.IntValue != "1" {
		t.Errorf("escrow.round = %+v, want intValue \"1\"", r.Value)
	}
	if len(mk.Events) != 1 || mk.Events[0].Name != escrowtrace.EventSnapshotPreRound1 {
		t.Fatalf("make_multisig events = %+v, want %s", mk.Events, escrowtrace.EventSnapshotPreRound1)
	}
	if v, _ := findAttr(mk.Events[0].Attributes, escrowtrace.AttrSnapshotReady); v.Value.BoolValue == nil || *v.Value.BoolValue {
		t.Errorf("event %s = %+v, want boolValue false", escrowtrace.AttrSnapshotReady, v.Value)
	}
	ex := byName["exchange_multisig_keys"]
	if ex.Status.Code != 2 || len(ex.Events) != 1 || ex.Events[0].Name != "exception" {
		t.Errorf("exchange_multisig_keys: status %+v, events %+v; want error and an exception event", ex.Status, ex.Events)
	}
}

func TestFindByTag(t *testing.T) {
	ctx := testContext(t)
	j := Start(t)
	sent := sendEscrowTrace(t, j, testEscrowID)
	other := sendEscrowTrace(t, j, "00000000-0000-4000-8000-000000000001")
	for _, s := range []sentTrace{sent, other} {
		if _, err := j.WaitTrace(ctx, s.traceID, s.spans); err != nil {
			t.Fatal(err)
		}
	}
	tests := []struct {
		service, key, value string
		want                []string
	}{
		{testService, escrowtrace.AttrEscrowID, testEscrowID, []string{testTraceID}},
		{testService, escrowtrace.AttrEscrowID, other.escrowID, []string{other.traceID}},
		{testService, escrowtrace.AttrEscrowRole, "buyer", []string{other.traceID, testTraceID}},
		{testService, escrowtrace.AttrEscrowID, "no-such-escrow", nil},
		{"no-such-service", escrowtrace.AttrEscrowID, testEscrowID, nil},
	}
	for _, tt := range tests {
		t.Run(tt.service+"/"+tt.value, func(t *testing.T) {
			got, err := j.FindByTag(ctx, tt.service, tt.key, tt.value)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			slices.Sort(tt.want)
			if !slices.Equal(got, tt.want) {
				t.Errorf("FindByTag(%s, %s=%s) = %v, want %v", tt.service, tt.key, tt.value, got, tt.want)
			}
		})
	}
}

func TestUnknownTrace(t *testing.T) {
	ctx := testContext(t)
	j := Start(t)
	const unknown = "0123456789abcdef0123456789abcdef"
	for name, get := range map[string]func(context.Context, string) (json.RawMessage, int, error){
		"v1": j.Trace, "v3": j.TraceV3,
	} {
		body, status, err := get(ctx, unknown)
		if err != nil || status != http.StatusNotFound {
			t.Errorf("%s unknown trace = %d, %v, want 404: %s", name, status, err, body)
		}
	}
	if _, seen, err := j.traceProgress(ctx, unknown, 1); err != nil || seen != "HTTP 404" {
		t.Errorf("traceProgress(unknown) = %q, %v, want HTTP 404", seen, err)
	}
	// WaitTrace must give up when its context ends, not hang. What it saw
	// last depends on the machine's speed, so only the cause is checked.
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := j.WaitTrace(wctx, unknown, 1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitTrace(unknown) = %v, want context.DeadlineExceeded", err)
	}
}

func TestWaitTraceTooFewSpans(t *testing.T) {
	ctx := testContext(t)
	j := Start(t)
	sent := sendEscrowTrace(t, j, testEscrowID)
	if _, err := j.WaitTrace(ctx, sent.traceID, sent.spans); err != nil {
		t.Fatal(err)
	}
	body, seen, err := j.traceProgress(ctx, sent.traceID, sent.spans+1)
	if err != nil || body != nil || seen != "3 of 4 spans" {
		t.Errorf("traceProgress(%d spans) = %d bytes, %q, %v; want no answer yet, \"3 of 4 spans\"", sent.spans+1, len(body), seen, err)
	}
	wctx, cancel := context.WithTimeout(ctx, 300*time.Millisecond)
	defer cancel()
	if _, err := j.WaitTrace(wctx, sent.traceID, sent.spans+1); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("WaitTrace(%d spans) = %v, want context.DeadlineExceeded", sent.spans+1, err)
	}
}

// TestInstancesAreIsolated: tests in parallel get their own Jaeger.
func TestInstancesAreIsolated(t *testing.T) {
	ctx := testContext(t)
	a, b := Start(t), Start(t)
	if a.OTLPEndpoint() == b.OTLPEndpoint() || a.QueryURL() == b.QueryURL() {
		t.Fatalf("two Jaegers share addresses: %s %s / %s %s", a.OTLPEndpoint(), a.QueryURL(), b.OTLPEndpoint(), b.QueryURL())
	}
	sent := sendEscrowTrace(t, a, testEscrowID)
	if _, err := a.WaitTrace(ctx, sent.traceID, sent.spans); err != nil {
		t.Fatal(err)
	}
	if _, status, err := b.Trace(ctx, sent.traceID); err != nil || status != http.StatusNotFound {
		t.Errorf("the other Jaeger answers %d, %v for the trace, want 404", status, err)
	}
}

func TestCleanupStopsJaeger(t *testing.T) {
	var (
		pid   int
		query string
	)
	t.Run("owner", func(t *testing.T) {
		j := Start(t)
		pid, query = j.PID(), j.QueryURL()
	})
	if pid == 0 {
		t.Skip("no Jaeger was started (skipped above)")
	}
	// The subtest's cleanup has run: the process is gone (reaped, so kill(0)
	// finds no such process) and its port is closed.
	if err := syscall.Kill(pid, 0); err != syscall.ESRCH {
		t.Errorf("kill(%d, 0) = %v after cleanup, want ESRCH", pid, err)
	}
	if resp, err := http.Get(query + "/api/services"); err == nil {
		resp.Body.Close()
		t.Errorf("%s still answers after cleanup", query)
	}
}

// TestListensOnLoopbackOnly checks the sockets the Jaeger process itself
// holds, with the shipped config: nothing may listen beyond 127.0.0.1.
func TestListensOnLoopbackOnly(t *testing.T) {
	j := Start(t)
	got, err := listeningAddrs(j.PID())
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	want := []string{j.otlpGRPC, j.otlpHTTP, j.queryHTTP, j.queryGRPC, j.health}
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Errorf("Jaeger listens on %v, want exactly %v", got, want)
	}
}
