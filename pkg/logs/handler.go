package logs

import (
	"context"
	"log/slog"

	"go.opentelemetry.io/otel/trace"

	"github.com/escrowd/escrowd/pkg/escrow"
	"github.com/escrowd/escrowd/pkg/multisig"
)

// handler adds trace correlation to the records it passes on.
type handler struct {
	next slog.Handler
	// escrowID and traced are what WithAttrs gave at the top level
	// (logger.With("escrow_id", id)), outside any group.
	escrowID string
	traced   bool
	grouped  bool
}

// NewHandler wraps next so that each record gets, unless it has them:
// trace_id and span_id of the span in its context; escrow_id of the wallet
// call whose context it was logged with; and for a record of an escrow
// without a span, the escrow's trace ID.
func NewHandler(next slog.Handler) slog.Handler { return &handler{next: next} }

func (h *handler) Enabled(ctx context.Context, l slog.Level) bool { return h.next.Enabled(ctx, l) }

func (h *handler) Handle(ctx context.Context, r slog.Record) error {
	escrowID, traced := h.escrowID, h.traced
	r.Attrs(func(a slog.Attr) bool {
		switch a.Key {
		case KeyEscrowID:
			escrowID = a.Value.String()
		case KeyTraceID:
			traced = true
		}
		return true
	})
	var add []slog.Attr
	if escrowID == "" {
		if st, ok := multisig.StepFrom(ctx); ok && st.EscrowID != "" {
			escrowID = st.EscrowID
			add = append(add, slog.String(KeyEscrowID, escrowID))
		}
	}
	if !traced {
		if sc := trace.SpanContextFromContext(ctx); sc.IsValid() {
			add = append(add, slog.String(KeyTraceID, sc.TraceID().String()), slog.String(KeySpanID, sc.SpanID().String()))
		} else if escrowID != "" {
			if id, err := escrow.TraceIDFor(escrowID); err == nil {
				add = append(add, slog.String(KeyTraceID, id))
			}
		}
	}
	if len(add) > 0 {
		r = r.Clone()
		r.AddAttrs(add...)
	}
	return h.next.Handle(ctx, r)
}

func (h *handler) WithAttrs(attrs []slog.Attr) slog.Handler {
	c := *h
	c.next = h.next.WithAttrs(attrs)
	if !h.grouped {
		for _, a := range attrs {
			switch a.Key {
			case KeyEscrowID:
				c.escrowID = a.Value.String()
			case KeyTraceID:
				c.traced = true
			}
		}
	}
	return &c
}

func (h *handler) WithGroup(name string) slog.Handler {
	if name == "" {
		return h
	}
	c := *h
	c.next = h.next.WithGroup(name)
	c.grouped = true
	return &c
}
