package trace

import (
	"context"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"

	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrow"
)

type escrowIDKey struct{}

// withEscrowID marks ctx so that the next root span takes the escrow's trace ID.
func withEscrowID(ctx context.Context, escrowID string) context.Context {
	return context.WithValue(ctx, escrowIDKey{}, escrowID)
}

// TraceID is the trace ID an escrow's trace has (see escrow.TraceIDFor).
func TraceID(escrowID string) (trace.TraceID, error) {
	var id trace.TraceID
	h, err := escrow.TraceIDFor(escrowID)
	if err != nil {
		return id, err
	}
	_, err = hex.Decode(id[:], []byte(h))
	return id, err
}

// idGenerator gives an escrow's root span the escrow's trace ID. The SDK calls
// NewIDs only for root spans, so children inherit it; every other trace and
// every span ID is random.
type idGenerator struct{}

func (idGenerator) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	if id, ok := ctx.Value(escrowIDKey{}).(string); ok {
		if tid, err := TraceID(id); err == nil && tid.IsValid() {
			return tid, newSpanID()
		}
	}
	var tid trace.TraceID
	for !tid.IsValid() {
		binary.BigEndian.PutUint64(tid[:8], rand.Uint64())
		binary.BigEndian.PutUint64(tid[8:], rand.Uint64())
	}
	return tid, newSpanID()
}

func (idGenerator) NewSpanID(context.Context, trace.TraceID) trace.SpanID { return newSpanID() }

func newSpanID() trace.SpanID {
	var sid trace.SpanID
	for !sid.IsValid() {
		binary.BigEndian.PutUint64(sid[:], rand.Uint64())
	}
	return sid
}
