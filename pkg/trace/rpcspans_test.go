package trace

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"testing"

	"go.opentelemetry.io/otel/attribute"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/escrowd/escrowd/internal/wallettest"
	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/escrowtrace"
	"github.com/escrowd/escrowd/pkg/multisig"
	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

func attrsOf(kvs []attribute.KeyValue) map[string]string {
	m := map[string]string{}
	for _, kv := range kvs {
		m[string(kv.Key)] = kv.Value.Emit()
	}
	return m
}

// TestRPCSpanErrorAttributes: a failed call's span says the failure's kind
// under escrow.error.kind and, as the JSON-RPC conventions want, the wallet's
// error code as error.type (the kind when no wallet answered), with the
// request's id; a successful call has neither kind nor type.
func TestRPCSpanErrorAttributes(t *testing.T) {
	w := &wallettest.Canned{Results: wallettest.ReadyResults(), Errors: map[string]wallettest.CannedError{
		"make_multisig": {Code: -28, Message: "This wallet is already multisig"},
	}}
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	raw, err := walletrpc.New(walletrpc.Options{URL: "http://127.0.0.1:18083", HTTPClient: &http.Client{Transport: w}})
	if err != nil {
		t.Fatal(err)
	}
	c := raw.With(rpcSpans(tp.Tracer("test")))
	down, err := walletrpc.New(walletrpc.Options{URL: "http://127.0.0.1:1", HTTPClient: &http.Client{Transport: failing{}}})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.IsMultisig(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := c.MakeMultisig(ctx, []string{"a", "b"}, 2, "pw"); !errors.Is(err, walletrpc.ErrAlreadyMultisig) {
		t.Fatalf("make_multisig: %v", err)
	}
	if _, err := down.With(rpcSpans(tp.Tracer("test"))).GetAddress(ctx); !errors.Is(err, walletrpc.ErrUnavailable) {
		t.Fatalf("get_address: %v", err)
	}
	spans := rec.Ended()
	if len(spans) != 3 {
		t.Fatalf("%d spans, want 3", len(spans))
	}
	tests := []struct {
		method, kind, errType, status string
	}{
		{"is_multisig", "", "", ""},
		{"make_multisig", "already_multisig", "-28", "-28"},
		{"get_address", "unavailable", "unavailable", ""},
	}
	ids := map[string]bool{}
	for i, tt := range tests {
		s := spans[i]
		a := attrsOf(s.Attributes())
		if s.Name() != tt.method || a[AttrEscrowErrorKind] != tt.kind || a["error.type"] != tt.errType ||
			a[escrowtrace.AttrRPCStatusCode] != tt.status {
			t.Errorf("%s: attributes %v, want kind %q error.type %q status %q", tt.method, a, tt.kind, tt.errType, tt.status)
		}
		id := a["jsonrpc.request.id"]
		if _, err := strconv.ParseUint(id, 10, 64); err != nil || ids[id] && i < 2 {
			t.Errorf("%s: jsonrpc.request.id %q", tt.method, id)
		}
		ids[id] = true
	}
}

type failing struct{}

func (failing) RoundTrip(*http.Request) (*http.Response, error) {
	return nil, errors.New("connection refused")
}

// TestErrorFinalCarriesKind: the ERROR_FINAL event names the step error's
// kind and error.type next to its message, role, round and operation.
func TestErrorFinalCarriesKind(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	o := &observer{tracer: tp.Tracer("test"), logger: discard()}
	tests := []struct {
		err           error
		kind, errType string
	}{
		{&multisig.StepError{EscrowID: "e1", Phase: escrow.PhaseSetup, Role: escrow.Vendor, Round: escrow.Round1, Operation: "make_multisig",
			Kind: escrow.KindAlreadyMultisig, Err: &walletrpc.Error{Method: "make_multisig", Code: -28, Message: "This wallet is already multisig"}},
			"already_multisig", "-28"},
		{&multisig.StepError{EscrowID: "e1", Role: escrow.Buyer, Round: escrow.Round3, Operation: "verify",
			Err: multisig.ErrAddressMismatch}, "address_mismatch", "address_mismatch"},
		{errors.New("boom"), "other", "other"},
	}
	for _, tt := range tests {
		ctx := o.StartEscrow(context.Background(), escrowFor("e1"), multisig.ModeLeased)
		o.EndEscrow(ctx, resultFor(""), tt.err)
		root := rec.Ended()[len(rec.Ended())-1]
		var final map[string]string
		for _, ev := range root.Events() {
			if ev.Name == escrowtrace.EventErrorFinal {
				final = attrsOf(ev.Attributes)
			}
		}
		if final == nil || final[AttrEscrowErrorKind] != tt.kind || final["error.type"] != tt.errType ||
			final[escrowtrace.AttrErrorMessage] != tt.err.Error() {
			t.Errorf("%v: ERROR_FINAL %v, want kind %q error.type %q", tt.err, final, tt.kind, tt.errType)
		}
	}
}
