package escrowtrace

import (
	"github.com/escrowd/escrowd/pkg/escrow"

	"fmt"
	"time"
)

// t0 is the sample escrow's start; fixed so that files are reproducible.
var t0 = time.Date(2025, 3, 1, 12, 0, 0, 0, time.UTC)

const (
	sampleTrace  = "4bf92f3577b34da6a3ce929d0e0e4736"
	sampleEscrow = "esc-1"
	sampleRoot   = "00f067aa0ba902b7"
)

func at(ms int) time.Time { return t0.Add(time.Duration(ms) * time.Millisecond) }

// sampleSpans is a small failed escrow: a root, one RPC span per role (the
// vendor's fails with -28), a snapshot per role and an ERROR_FINAL. Spans are
// listed in the order the SDK exports them: children first.
func sampleSpans() []Span {
	roles := []string{"buyer", "vendor", "arbiter"}
	var spans []Span
	for i, role := range roles {
		s := Span{
			TraceID:      sampleTrace,
			SpanID:       fmt.Sprintf("%016x", i+1),
			ParentSpanID: sampleRoot,
			Name:         "wallet.make_multisig",
			Start:        at(10 + i),
			End:          at(20 + 5*i),
			Attributes: map[string]any{
				AttrEscrowID: sampleEscrow, AttrEscrowRole: role, AttrEscrowRound: int64(1),
				AttrRPCMethod: "make_multisig", AttrServerAddress: "127.0.0.1", AttrServerPort: int64(18090 + i),
			},
			Events: []SpanEvent{{Name: EventSnapshotPostMakeMultisig, Time: at(19 + 5*i), Attributes: map[string]any{
				AttrEscrowRole: role, AttrEscrowRound: int64(1), AttrWalletID: "w-" + role,
				AttrSnapshotIsMultisig: true, AttrSnapshotReady: false, AttrSnapshotThreshold: int64(2),
				AttrSnapshotTotal: int64(3), AttrSnapshotAddressHash: escrow.HashAddress("addr-" + role),
				AttrSnapshotFileMode: "0600", AttrSnapshotBalance: int64(0),
			}}},
			Service: "escrowd",
		}
		if role == "vendor" {
			s.StatusError, s.StatusMessage = true, "This wallet is already multisig"
			s.Attributes[AttrRPCStatusCode] = "-28" // as the semconv string attribute
			s.Events = nil
		}
		spans = append(spans, s)
	}
	spans = append(spans, Span{
		TraceID: sampleTrace, SpanID: sampleRoot, Name: SpanNameEscrow,
		Start: at(0), End: at(40),
		Attributes: map[string]any{AttrEscrowID: sampleEscrow, AttrEscrowOutcome: OutcomeFailed, AttrEscrowMode: "leased"},
		Events: []SpanEvent{
			{Name: "exception", Time: at(39), Attributes: map[string]any{"exception.message": "boom"}},
			{Name: EventErrorFinal, Time: at(39), Attributes: map[string]any{
				AttrEscrowRole: "vendor", AttrEscrowRound: int64(1), AttrEscrowOperation: "make_multisig",
				AttrWalletID: "w-vendor", AttrErrorMessage: "vendor: make_multisig: already multisig",
			}},
		},
		StatusError: true, StatusMessage: "failed",
		Service: "escrowd",
	})
	return spans
}
