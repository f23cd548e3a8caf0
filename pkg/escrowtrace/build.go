package escrowtrace

import (
	"cmp"
	"errors"
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Errors of Build that callers tell apart with errors.Is: a trace that is not
// an escrow's, and one whose escrow.id must not be used (it is not filename-safe).
var (
	ErrNoEscrowID      = errors.New("no span has " + AttrEscrowID)
	ErrInvalidEscrowID = errors.New("invalid escrow id")
)

// BuildOptions tune Build.
type BuildOptions struct {
	// Incomplete says the root span has not ended (a flush before the escrow
	// finished): the file gets outcome "incomplete" and no end.
	Incomplete bool
	// Service overrides the file's service; empty takes the root's service.name.
	Service string
}

// Build turns one trace's finished spans into the v1 file: RPC spans give
// RPC_CALL_START and RPC_CALL_END/ERROR, SNAPSHOT_* and ERROR_FINAL span
// events give events of the same type, all ordered by time (ties keep the
// order of recording), numbered by seq and placed by offset_ms.
//
// Only the attributes named in conventions.go are read, each into its own
// field, so that nothing else a span carries (however it got there) can reach
// the file. The input order of spans does not matter.
func Build(spans []Span, opts BuildOptions) (*File, error) {
	if len(spans) == 0 {
		return nil, errors.New("build escrow trace: no spans")
	}
	// Sorting by start (then span ID) makes the result independent of the
	// order spans were exported or stored in, e.g. grouped by scope in OTLP.
	order := make([]*Span, len(spans))
	for i := range spans {
		order[i] = &spans[i]
	}
	slices.SortStableFunc(order, func(a, b *Span) int {
		if c := a.Start.Compare(b.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.SpanID, b.SpanID)
	})

	root := findRoot(order)
	escrowID, traceID, err := identify(order, root)
	if err != nil {
		return nil, err
	}

	f := &File{
		Schema:   Schema,
		EscrowID: escrowID,
		TraceID:  traceID,
		Service:  opts.Service,
		Outcome:  OutcomeIncomplete,
	}
	if root != nil {
		f.StartedAt = root.Start.UTC()
		if f.Service == "" {
			f.Service = root.Service
		}
		if !opts.Incomplete {
			f.Outcome = rootOutcome(root)
			if !root.End.IsZero() {
				end := root.End.UTC()
				f.EndedAt = &end
				f.DurationMS = ptr(millis(root.End.Sub(root.Start)))
			}
		}
	} else {
		f.StartedAt = order[0].Start.UTC()
	}
	if f.Service == "" {
		for _, s := range order {
			if s.Service != "" {
				f.Service = s.Service
				break
			}
		}
	}

	f.Events = timeline(order, escrowID)
	for i := range f.Events {
		e := &f.Events[i]
		e.Seq = i
		e.OffsetMS = max(0, millis(e.Time.Sub(f.StartedAt)))
		if e.Type == EventErrorFinal && f.Error == nil {
			f.Error = &FileError{Message: e.Error.Message, Role: e.Role, Round: e.Round, Operation: e.Context.Operation}
		}
	}
	return f, nil
}

// findRoot is the escrow's root span: no parent and an escrow.id.
func findRoot(order []*Span) *Span {
	for _, s := range order {
		if s.ParentSpanID != "" {
			continue
		}
		if _, ok := attrString(s.Attributes, AttrEscrowID); ok {
			return s
		}
	}
	return nil
}

// identify finds the escrow and trace IDs: from the root, else from the first
// span that has them.
func identify(order []*Span, root *Span) (escrowID, traceID string, err error) {
	from := order
	if root != nil {
		from = append([]*Span{root}, order...)
	}
	found := false
	for _, s := range from {
		if id, ok := attrString(s.Attributes, AttrEscrowID); ok && !found {
			escrowID, found = id, true
		}
		if traceID == "" {
			traceID = strings.ToLower(s.TraceID)
		}
	}
	if !found {
		return "", "", fmt.Errorf("build escrow trace %s: %w", traceID, ErrNoEscrowID)
	}
	if !ValidEscrowID(escrowID) {
		return "", "", fmt.Errorf("build escrow trace %s: %s %.80q: %w", traceID, AttrEscrowID, escrowID, ErrInvalidEscrowID)
	}
	if !isLowerHex(traceID, 32) {
		return "", "", fmt.Errorf("build escrow trace %s: trace id %.80q is not 32 hex characters", escrowID, traceID)
	}
	for _, s := range order {
		if !strings.EqualFold(s.TraceID, traceID) {
			return "", "", fmt.Errorf("build escrow trace %s: span %s belongs to trace %.80q, not %s", escrowID, s.SpanID, s.TraceID, traceID)
		}
	}
	return escrowID, traceID, nil
}

// rootOutcome reads the ended root: its escrow.outcome, else failed when its
// status is Error. A root that ended saying neither is a tracing bug; the file
// does not guess success and calls it incomplete.
func rootOutcome(root *Span) string {
	switch o, _ := attrString(root.Attributes, AttrEscrowOutcome); o {
	case OutcomeSuccess, OutcomeFailed:
		return o
	}
	if root.StatusError {
		return OutcomeFailed
	}
	return OutcomeIncomplete
}

// timeline lists the events of all spans, stably sorted by time. Within one
// span the recording order is start, span events, end.
func timeline(order []*Span, escrowID string) []Event {
	n := 0 // at most: a start and an end per span, and its span events
	for _, s := range order {
		n += 2 + len(s.Events)
	}
	events := make([]Event, 0, n)
	for _, s := range order {
		_, isRPC := attrString(s.Attributes, AttrRPCMethod)
		var start Event
		if isRPC {
			start = rpcStart(s)
			events = append(events, start)
		}
		for i := range s.Events {
			if e, ok := spanEvent(s, &s.Events[i], escrowID); ok {
				events = append(events, e)
			}
		}
		if isRPC && !s.End.IsZero() {
			events = append(events, rpcEnd(s, start))
		}
	}
	slices.SortStableFunc(events, func(a, b Event) int { return a.Time.Compare(b.Time) })
	return events
}

func rpcStart(s *Span) Event {
	method, _ := attrString(s.Attributes, AttrRPCMethod)
	return Event{
		Type:     EventRPCCallStart,
		Time:     s.Start.UTC(),
		Role:     attrRole(s.Attributes),
		Round:    attrRound(s.Attributes),
		Method:   method,
		Endpoint: endpoint(s.Attributes),
		SpanID:   spanID(s.SpanID),
	}
}

// rpcEnd is the end of the call that start (rpcStart(s)) began.
func rpcEnd(s *Span, start Event) Event {
	e := start
	e.Type = EventRPCCallEnd
	e.Time = s.End.UTC()
	// One allocation for the event's pointed-to values.
	v := &struct {
		duration float64
		err      EventError
		code     int
	}{duration: max(0, millis(s.End.Sub(s.Start)))}
	e.DurationMS = &v.duration
	if s.StatusError {
		e.Type = EventRPCCallError
		msg := s.StatusMessage
		if msg == "" {
			msg, _ = attrString(s.Attributes, AttrErrorType)
		}
		v.err.Message = msg
		e.Error = &v.err
		if code, ok := attrInt(s.Attributes, AttrRPCStatusCode); ok && code >= -1<<31 && code < 1<<31 {
			v.code = int(code)
			e.Error.Code = &v.code
		}
	}
	return e
}

// spanEvent maps a span event to a file event; other span events (such as
// "exception") are not part of the file.
func spanEvent(s *Span, se *SpanEvent, escrowID string) (Event, bool) {
	e := Event{
		Type:  se.Name,
		Time:  se.Time.UTC(),
		Role:  attrRole(se.Attributes),
		Round: attrRound(se.Attributes),
	}
	// An event without its own role/round inherits them from its span.
	if e.Role == "" {
		e.Role = attrRole(s.Attributes)
	}
	if e.Round == 0 {
		e.Round = attrRound(s.Attributes)
	}
	switch {
	case IsSnapshotEvent(se.Name):
		e.Snapshot = snapshot(se.Attributes)
	case se.Name == EventErrorFinal:
		msg, _ := attrString(se.Attributes, AttrErrorMessage)
		op, _ := attrString(se.Attributes, AttrEscrowOperation)
		wallet, _ := attrString(se.Attributes, AttrWalletID)
		e.Error = &EventError{Message: msg}
		e.Context = &ErrorContext{Round: e.Round, Operation: op, WalletID: wallet, EscrowID: escrowID}
	default:
		return Event{}, false
	}
	return e, true
}

func snapshot(attrs map[string]any) *Snapshot {
	// One allocation for the snapshot and the values it points to.
	v := &struct {
		s                 Snapshot
		ready             bool
		threshold, total  int
		balance, unlocked uint64
	}{}
	s := &v.s
	s.WalletID, _ = attrString(attrs, AttrWalletID)
	s.IsMultisig, _ = attrBool(attrs, AttrSnapshotIsMultisig)
	if b, ok := attrBool(attrs, AttrSnapshotReady); ok {
		v.ready, s.Ready = b, &v.ready
	}
	if n, ok := attrInt(attrs, AttrSnapshotThreshold); ok && n >= 0 && n < 1<<31 {
		v.threshold, s.Threshold = int(n), &v.threshold
	}
	if n, ok := attrInt(attrs, AttrSnapshotTotal); ok && n >= 0 && n < 1<<31 {
		v.total, s.Total = int(n), &v.total
	}
	if n, ok := attrUint(attrs, AttrSnapshotBalance); ok {
		v.balance, s.Balance = n, &v.balance
	}
	if n, ok := attrUint(attrs, AttrSnapshotUnlockedBalance); ok {
		v.unlocked, s.UnlockedBalance = n, &v.unlocked
	}
	// Only a hash is let through: a raw address set here by mistake is dropped.
	if h, _ := attrString(attrs, AttrSnapshotAddressHash); isLowerHex(h, 16) {
		s.AddressHash = h
	}
	s.WalletFileMode = attrFileMode(attrs)
	s.Error, _ = attrString(attrs, AttrSnapshotError)
	return s
}

// endpoint is server.address:server.port (or the address alone).
func endpoint(attrs map[string]any) string {
	host, _ := attrString(attrs, AttrServerAddress)
	if host == "" {
		return ""
	}
	port, ok := attrInt(attrs, AttrServerPort)
	if !ok {
		return host
	}
	if strings.IndexByte(host, ':') >= 0 {
		return net.JoinHostPort(host, strconv.FormatInt(port, 10)) // IPv6: brackets
	}
	var buf [64]byte
	return string(strconv.AppendInt(append(append(buf[:0], host...), ':'), port, 10))
}

func spanID(id string) string {
	id = strings.ToLower(id)
	if !isLowerHex(id, 16) {
		return ""
	}
	return id
}

func millis(d time.Duration) float64 { return float64(d) / float64(time.Millisecond) }

func ptr[T any](v T) *T { return &v }
