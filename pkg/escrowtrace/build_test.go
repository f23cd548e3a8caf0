package escrowtrace

import (
	"encoding/json"
	"errors"
	"math/rand/v2"
	"reflect"
	"strings"
	"testing"
)

func TestBuildSample(t *testing.T) {
	f, err := Build(sampleSpans(), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, e := range f.Events {
		got = append(got, e.Type+"/"+e.Role)
	}
	want := []string{
		"RPC_CALL_START/buyer", "RPC_CALL_START/vendor", "RPC_CALL_START/arbiter",
		"SNAPSHOT_POST_MAKE_MULTISIG/buyer", "RPC_CALL_END/buyer", "RPC_CALL_ERROR/vendor",
		"SNAPSHOT_POST_MAKE_MULTISIG/arbiter", "RPC_CALL_END/arbiter", "ERROR_FINAL/vendor",
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("events:\n got %v\nwant %v", got, want)
	}
	for i, e := range f.Events {
		if e.Seq != i {
			t.Errorf("events[%d].seq = %d", i, e.Seq)
		}
	}
	if f.Outcome != OutcomeFailed || f.EscrowID != sampleEscrow || f.TraceID != sampleTrace || f.Service != "escrowd" {
		t.Errorf("header = %+v", f)
	}
	if f.DurationMS == nil || *f.DurationMS != 40 || f.EndedAt == nil || !f.EndedAt.Equal(at(40)) {
		t.Errorf("duration/end = %v/%v", f.DurationMS, f.EndedAt)
	}
	wantErr := &FileError{Message: "vendor: make_multisig: already multisig", Role: "vendor", Round: 1, Operation: "make_multisig"}
	if !reflect.DeepEqual(f.Error, wantErr) {
		t.Errorf("error = %+v, want %+v", f.Error, wantErr)
	}
	rpcErr := f.Events[5]
	if rpcErr.Error == nil || rpcErr.Error.Code == nil || *rpcErr.Error.Code != -28 || rpcErr.Error.Message != "This wallet is already multisig" ||
		rpcErr.Endpoint != "127.0.0.1:18091" || rpcErr.SpanID != "0000000000000002" || *rpcErr.DurationMS != 14 || rpcErr.OffsetMS != 25 {
		t.Errorf("RPC error event = %+v", rpcErr)
	}
	final := f.Events[8]
	wantCtx := &ErrorContext{Round: 1, Operation: "make_multisig", WalletID: "w-vendor", EscrowID: sampleEscrow}
	if !reflect.DeepEqual(final.Context, wantCtx) {
		t.Errorf("ERROR_FINAL context = %+v", final.Context)
	}
	mustValidate(t, f)
}

// The order in which spans arrive must not change the file.
func TestBuildIgnoresSpanOrder(t *testing.T) {
	want, err := Build(sampleSpans(), BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	r := rand.New(rand.NewPCG(1, 2))
	for range 20 {
		spans := sampleSpans()
		r.Shuffle(len(spans), func(i, j int) { spans[i], spans[j] = spans[j], spans[i] })
		got, err := Build(spans, BuildOptions{})
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("shuffled spans gave another file")
		}
	}
}

func TestBuildOutcome(t *testing.T) {
	tests := []struct {
		name    string
		edit    func(spans []Span) []Span
		opts    BuildOptions
		want    string
		wantEnd bool
	}{
		{"attribute failed", nil, BuildOptions{}, OutcomeFailed, true},
		{"attribute success", func(s []Span) []Span {
			s[3].Attributes[AttrEscrowOutcome] = OutcomeSuccess
			s[3].StatusError = false
			return s
		}, BuildOptions{}, OutcomeSuccess, true},
		{"status error only", func(s []Span) []Span {
			delete(s[3].Attributes, AttrEscrowOutcome)
			return s
		}, BuildOptions{}, OutcomeFailed, true},
		{"ended without outcome", func(s []Span) []Span {
			delete(s[3].Attributes, AttrEscrowOutcome)
			s[3].StatusError = false
			return s
		}, BuildOptions{}, OutcomeIncomplete, true},
		{"incomplete option", nil, BuildOptions{Incomplete: true}, OutcomeIncomplete, false},
		{"no root", func(s []Span) []Span { return s[:3] }, BuildOptions{}, OutcomeIncomplete, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			spans := sampleSpans()
			if tt.edit != nil {
				spans = tt.edit(spans)
			}
			f, err := Build(spans, tt.opts)
			if err != nil {
				t.Fatal(err)
			}
			if f.Outcome != tt.want {
				t.Errorf("outcome = %q, want %q", f.Outcome, tt.want)
			}
			if (f.EndedAt != nil) != tt.wantEnd || (f.DurationMS != nil) != tt.wantEnd {
				t.Errorf("ended_at = %v, duration = %v; want set: %v", f.EndedAt, f.DurationMS, tt.wantEnd)
			}
			mustValidate(t, f)
		})
	}
}

func TestBuildWithoutRootStartsAtEarliestSpan(t *testing.T) {
	f, err := Build(sampleSpans()[:3], BuildOptions{Service: "override"})
	if err != nil {
		t.Fatal(err)
	}
	if !f.StartedAt.Equal(at(10)) || f.Events[0].OffsetMS != 0 || f.Service != "override" || f.Error != nil {
		t.Errorf("started_at = %v, first offset = %v, service = %q, error = %v", f.StartedAt, f.Events[0].OffsetMS, f.Service, f.Error)
	}
}

// Nothing but the listed attributes reaches the file, and a raw address in
// the hash attribute is dropped.
func TestBuildWhitelistsAttributes(t *testing.T) {
	spans := sampleSpans()
	secret := "SECRET-seed-words"
	spans[0].Attributes["wallet.password"] = secret
	spans[0].Attributes["rpc.request.multisig_info"] = secret
	spans[0].Events[0].Attributes[AttrSnapshotAddressHash] = "4" + secret
	spans[0].Events[0].Attributes["wallet.spend_key"] = secret
	spans[0].Events[0].Attributes[AttrEscrowRole] = "mallory"
	spans[0].Events[0].Attributes[AttrEscrowRound] = int64(9)
	spans[3].Events[1].Attributes["wallet.seed"] = secret
	f, err := Build(spans, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(data), "SECRET") {
		t.Errorf("file leaks a non-whitelisted attribute: %s", data)
	}
	snap := f.Events[3]
	// Role and round fall back to the span's when the event's are invalid.
	if snap.Snapshot.AddressHash != "" || snap.Role != "buyer" || snap.Round != 1 {
		t.Errorf("snapshot event = %+v / %+v", snap, snap.Snapshot)
	}
	mustValidate(t, f)
}

func TestBuildAttributeSpellings(t *testing.T) {
	spans := sampleSpans()
	ev := spans[0].Events[0].Attributes
	ev[AttrSnapshotFileMode] = int64(0o644)
	ev[AttrSnapshotBalance] = "18446744073709551615"
	ev[AttrSnapshotIsMultisig] = "true"
	ev[AttrEscrowRound] = "1"
	spans[1].Attributes[AttrRPCStatusCode] = int64(-28)
	spans[2].Attributes[AttrServerAddress] = "::1"
	f, err := Build(spans, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	s := f.Events[3].Snapshot
	if s.WalletFileMode != "0644" || s.Balance == nil || *s.Balance != 18446744073709551615 || !s.IsMultisig || f.Events[3].Round != 1 {
		t.Errorf("snapshot = %+v", s)
	}
	if c := f.Events[5].Error.Code; c == nil || *c != -28 {
		t.Errorf("code = %v", c)
	}
	if ep := f.Events[2].Endpoint; ep != "[::1]:18092" {
		t.Errorf("endpoint = %q", ep)
	}
	mustValidate(t, f)
}

// Equal times keep the recording order; events before the root's start get offset 0.
func TestBuildTiesAndClamp(t *testing.T) {
	spans := sampleSpans()
	spans[0].Start, spans[0].End = at(-5), at(-5)
	spans[0].Events[0].Time = at(-5)
	f, err := Build(spans, BuildOptions{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{EventRPCCallStart, EventSnapshotPostMakeMultisig, EventRPCCallEnd}
	for i, w := range want {
		if e := f.Events[i]; e.Type != w || e.OffsetMS != 0 || e.Role != "buyer" {
			t.Errorf("events[%d] = %s %s offset %v, want %s buyer offset 0", i, e.Type, e.Role, e.OffsetMS, w)
		}
	}
	mustValidate(t, f)
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		name string
		edit func([]Span) []Span
		want string
		is   error
	}{
		{"no spans", func([]Span) []Span { return nil }, "no spans", nil},
		{"no escrow id", func(s []Span) []Span {
			for i := range s {
				delete(s[i].Attributes, AttrEscrowID)
			}
			return s
		}, "no span has escrow.id", ErrNoEscrowID},
		{"unsafe escrow id", func(s []Span) []Span {
			s[3].Attributes[AttrEscrowID] = "../etc"
			return s
		}, `"../etc": invalid escrow id`, ErrInvalidEscrowID},
		{"empty escrow id", func(s []Span) []Span {
			s[3].Attributes[AttrEscrowID] = ""
			return s
		}, `"": invalid escrow id`, ErrInvalidEscrowID},
		{"two traces", func(s []Span) []Span {
			s[1].TraceID = strings.Repeat("1", 32)
			return s
		}, "belongs to trace", nil},
		{"bad trace id", func(s []Span) []Span {
			for i := range s {
				s[i].TraceID = "xyz"
			}
			return s
		}, "not 32 hex", nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Build(tt.edit(sampleSpans()), BuildOptions{})
			if err == nil || !strings.Contains(err.Error(), tt.want) || errors.Is(err, tt.is) != (tt.is != nil) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
}

func mustValidate(t *testing.T, f *File) {
	t.Helper()
	data, err := json.Marshal(f)
	if err != nil {
		t.Fatal(err)
	}
	if err := Validate(data); err != nil {
		t.Errorf("built file does not validate: %v\n%s", err, data)
	}
}

func TestEndpoint(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]any
		want  string
	}{
		{"host and port", map[string]any{AttrServerAddress: "127.0.0.1", AttrServerPort: int64(18100)}, "127.0.0.1:18100"},
		{"port as text", map[string]any{AttrServerAddress: "wallet", AttrServerPort: "18100"}, "wallet:18100"},
		{"IPv6", map[string]any{AttrServerAddress: "::1", AttrServerPort: int64(18100)}, "[::1]:18100"},
		{"no port", map[string]any{AttrServerAddress: "wallet"}, "wallet"},
		{"bad port", map[string]any{AttrServerAddress: "wallet", AttrServerPort: []any{1}}, "wallet"},
		{"no host", map[string]any{AttrServerPort: int64(1)}, ""},
		{"long host", map[string]any{AttrServerAddress: strings.Repeat("h", 100), AttrServerPort: int64(-1)}, strings.Repeat("h", 100) + ":-1"},
	}
	for _, tt := range tests {
		if got := endpoint(tt.attrs); got != tt.want {
			t.Errorf("%s: endpoint = %q, want %q", tt.name, got, tt.want)
		}
	}
}
