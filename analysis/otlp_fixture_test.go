package analysis

import (
	"time"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// spansOf turns a hand-made file back into the spans escrowd's tracing would
// have recorded (span conventions of pkg/escrowtrace): a root escrow.setup
// span carrying snapshot and ERROR_FINAL events, and one span per RPC call.
// Encoded as OTLP it is what the file's "otlp" section and Jaeger's v3 answer
// hold, so the three readers can be compared on one trace.
func spansOf(f *escrowtrace.File) []escrowtrace.Span {
	rootID := "00000000000000ff"
	root := escrowtrace.Span{
		TraceID: f.TraceID, SpanID: rootID, Name: escrowtrace.SpanNameEscrow, Start: f.StartedAt,
		Attributes: map[string]any{escrowtrace.AttrEscrowID: f.EscrowID}, Service: f.Service,
	}
	if f.EndedAt != nil {
		root.End = *f.EndedAt
		root.Attributes[escrowtrace.AttrEscrowOutcome] = f.Outcome
		root.StatusError = f.Outcome == escrowtrace.OutcomeFailed
	}
	spans := []escrowtrace.Span{}
	open := map[string]int{}
	for _, e := range f.Events {
		switch {
		case e.Type == escrowtrace.EventRPCCallStart:
			attrs := map[string]any{
				escrowtrace.AttrEscrowID: f.EscrowID, escrowtrace.AttrEscrowRole: e.Role, escrowtrace.AttrRPCMethod: e.Method,
				escrowtrace.AttrServerAddress: "127.0.0.1", escrowtrace.AttrServerPort: int64(18100 + roleRank(e.Role)),
			}
			if e.Round != 0 {
				attrs[escrowtrace.AttrEscrowRound] = int64(e.Round)
			}
			open[e.SpanID] = len(spans)
			spans = append(spans, escrowtrace.Span{
				TraceID: f.TraceID, SpanID: e.SpanID, ParentSpanID: rootID, Name: e.Method, Start: e.Time,
				Attributes: attrs, Service: f.Service,
			})
		case e.Type == escrowtrace.EventRPCCallEnd || e.Type == escrowtrace.EventRPCCallError:
			s := &spans[open[e.SpanID]]
			s.End = s.Start.Add(time.Duration(*e.DurationMS * float64(time.Millisecond)))
			if e.Error != nil {
				s.StatusError, s.StatusMessage = true, e.Error.Message
				if e.Error.Code != nil {
					s.Attributes[escrowtrace.AttrRPCStatusCode] = int64(*e.Error.Code)
				}
			}
			delete(open, e.SpanID)
		case e.Type == escrowtrace.EventErrorFinal:
			root.Events = append(root.Events, escrowtrace.SpanEvent{Name: e.Type, Time: e.Time, Attributes: map[string]any{
				escrowtrace.AttrEscrowRole: e.Role, escrowtrace.AttrEscrowRound: int64(e.Round),
				escrowtrace.AttrEscrowOperation: e.Context.Operation, escrowtrace.AttrWalletID: e.Context.WalletID,
				escrowtrace.AttrErrorMessage: e.Error.Message,
			}})
		case e.Snapshot != nil:
			s := e.Snapshot
			attrs := map[string]any{
				escrowtrace.AttrEscrowRole: e.Role, escrowtrace.AttrEscrowRound: int64(e.Round),
				escrowtrace.AttrWalletID: s.WalletID, escrowtrace.AttrSnapshotIsMultisig: s.IsMultisig,
				escrowtrace.AttrSnapshotAddressHash: s.AddressHash, escrowtrace.AttrSnapshotFileMode: s.WalletFileMode,
			}
			if s.Ready != nil {
				attrs[escrowtrace.AttrSnapshotReady] = *s.Ready
			}
			if s.Threshold != nil {
				attrs[escrowtrace.AttrSnapshotThreshold] = int64(*s.Threshold)
			}
			if s.Total != nil {
				attrs[escrowtrace.AttrSnapshotTotal] = int64(*s.Total)
			}
			if s.Balance != nil {
				attrs[escrowtrace.AttrSnapshotBalance] = int64(*s.Balance)
			}
			root.Events = append(root.Events, escrowtrace.SpanEvent{Name: e.Type, Time: e.Time, Attributes: attrs})
		}
	}
	// Spans that never ended are not exported: an incomplete trace has no
	// root and loses its open calls.
	var out []escrowtrace.Span
	if f.EndedAt != nil {
		out = append(out, root)
	}
	for i, s := range spans {
		if _, isOpen := open[s.SpanID]; isOpen {
			_ = i
			continue
		}
		out = append(out, s)
	}
	return out
}
