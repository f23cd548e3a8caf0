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

	"github.com/escrowd/escrowd/pkg/escrow"
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

	var few [4]*Span // most escrows have a few phases: no allocation
	roots := findRoots(few[:0], order)
	var root, latest *Span // the escrow's first phase, and its latest
	if len(roots) > 0 {
		root, latest = roots[0], roots[len(roots)-1]
	}
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

	l := newLineage(order, roots)
	f.Events = timeline(order, escrowID, &l)
	for i := range f.Events {
		e := &f.Events[i]
		e.Seq = i
		e.OffsetMS = max(0, millis(e.Time.Sub(f.StartedAt)))
		e.derive()
		if e.Type == EventErrorFinal && f.Error == nil && l.phased == nil {
			f.Error = finalError(e)
		}
	}
	if latest != nil {
		p := phaseRecord(latest, opts.Incomplete, &l)
		f.Outcome, f.EndedAt, f.DurationMS = p.Outcome, p.EndedAt, p.DurationMS
	}
	if l.phased != nil && len(roots) > 0 {
		// A lifecycle: every phase in the list; the top level is the
		// latest's (its outcome and end were set above).
		f.Phases = make([]PhaseRecord, len(roots))
		for i, r := range roots {
			f.Phases[i] = phaseRecord(r, opts.Incomplete && r == latest, &l)
		}
		f.Error = f.Phases[len(roots)-1].Error
	}
	return f, nil
}

// phaseRecord is the phase whose root span is r; incomplete says it has not
// ended (a flush before the escrow finished): outcome "incomplete", no end.
func phaseRecord(r *Span, incomplete bool, l *lineage) PhaseRecord {
	p := PhaseRecord{Name: l.phaseOfRoot(r), Outcome: OutcomeIncomplete, StartedAt: r.Start.UTC(), Error: l.errors[r]}
	if !incomplete {
		p.Outcome = rootOutcome(r)
		if !r.End.IsZero() {
			end := r.End.UTC()
			p.EndedAt = &end
			p.DurationMS = ptr(millis(r.End.Sub(r.Start)))
		}
	}
	return p
}

// finalError is the file's (or a phase's) error, from its ERROR_FINAL event.
func finalError(e *Event) *FileError {
	return &FileError{Message: e.Error.Message, Role: e.Role, Round: e.Round, Operation: e.Context.Operation, Kind: e.Error.Kind}
}

// findRoots appends to roots the escrow's root spans in start order, one per
// lifecycle phase: no parent and an escrow.id.
func findRoots(roots, order []*Span) []*Span {
	for _, s := range order {
		if s.ParentSpanID != "" {
			continue
		}
		if _, ok := attrString(s.Attributes, AttrEscrowID); ok {
			roots = append(roots, s)
		}
	}
	return roots
}

// lineage knows the phase of each span. A trace of the setup alone (one
// root, no escrow.phase other than setup) needs nothing: phased stays nil,
// every event is the setup's and the file has no phases list, as before the
// lifecycle. Otherwise each span belongs to the root it descends
// from, and takes the phase of the nearest of: its event's, its own, its
// root's escrow.phase, else setup.
type lineage struct {
	phased map[string]*Span     // span ID -> its root; nil for the setup alone
	errors map[*Span]*FileError // root -> its phase's first ERROR_FINAL
}

func newLineage(order []*Span, roots []*Span) lineage {
	var l lineage
	lifecycle := len(roots) > 1
	later := func(attrs map[string]any) bool { // a phase after the setup
		p, ok := attrPhase(attrs)
		return ok && p != escrow.PhaseSetup
	}
	for _, s := range order {
		if lifecycle {
			break
		}
		lifecycle = later(s.Attributes)
		for i := range s.Events {
			lifecycle = lifecycle || later(s.Events[i].Attributes)
		}
	}
	if !lifecycle {
		return l
	}
	l.errors = map[*Span]*FileError{}
	byID := make(map[string]*Span, len(order))
	for _, s := range order {
		byID[s.SpanID] = s
	}
	l.phased = make(map[string]*Span, len(order))
	for _, s := range order {
		r := s
		for i := 0; r.ParentSpanID != "" && i < len(order); i++ { // bounded: a cycle of bad IDs ends
			parent, ok := byID[r.ParentSpanID]
			if !ok {
				break
			}
			r = parent
		}
		if r.ParentSpanID == "" {
			l.phased[s.SpanID] = r
		}
	}
	return l
}

// phaseOf is the phase of span event se (nil for the span's own events) on s;
// "" when none is named (the setup).
func (l *lineage) phaseOf(s *Span, se *SpanEvent) escrow.Phase {
	if se != nil {
		if p, ok := attrPhase(se.Attributes); ok {
			return p
		}
	}
	if p, ok := attrPhase(s.Attributes); ok {
		return p
	}
	if r := l.phased[s.SpanID]; r != nil {
		if p, ok := attrPhase(r.Attributes); ok {
			return p
		}
	}
	return ""
}

func (l *lineage) phaseOfRoot(r *Span) escrow.Phase {
	if p, ok := attrPhase(r.Attributes); ok {
		return p
	}
	return escrow.PhaseSetup
}

// noteError keeps e, an ERROR_FINAL of span s, as its phase's error unless
// the phase has an earlier one.
func (l *lineage) noteError(s *Span, e *Event) {
	r := l.phased[s.SpanID]
	if r == nil {
		return
	}
	if l.errors[r] == nil {
		l.errors[r] = finalError(e)
	}
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
	if !escrow.ValidID(escrowID) {
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
func timeline(order []*Span, escrowID string, l *lineage) []Event {
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
			if l.phased != nil {
				start.Phase = l.phaseOf(s, nil)
			}
			events = append(events, start)
		}
		for i := range s.Events {
			if e, ok := spanEvent(s, &s.Events[i], escrowID, l); ok {
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
		e.Error.Kind = attrKind(s.Attributes)
	}
	return e
}

// spanEvent maps a span event to a file event; other span events (such as
// "exception") are not part of the file.
func spanEvent(s *Span, se *SpanEvent, escrowID string, l *lineage) (Event, bool) {
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
	if l.phased != nil {
		e.Phase = l.phaseOf(s, se)
	}
	switch {
	case escrow.IsSnapshotName(se.Name):
		e.Snapshot = snapshot(se.Attributes)
	case se.Name == EventErrorFinal:
		msg, _ := attrString(se.Attributes, AttrErrorMessage)
		op, _ := attrString(se.Attributes, AttrEscrowOperation)
		wallet, _ := attrString(se.Attributes, AttrWalletID)
		kind := attrKind(se.Attributes)
		if kind == "" {
			kind = attrKind(s.Attributes)
		}
		e.Error = &EventError{Message: msg, Kind: kind}
		e.Context = &ErrorContext{Round: e.Round, Operation: op, WalletID: wallet, EscrowID: escrowID}
		if e.Phase.Of() != escrow.PhaseSetup {
			// A later phase's context names its phase and role (the contract).
			e.Context.Phase, e.Context.Role = e.Phase, e.Role
		}
		l.noteError(s, &e)
	default:
		return Event{}, false
	}
	return e, true
}

func snapshot(attrs map[string]any) *Snapshot {
	// One allocation for the snapshot and the values it points to.
	v := &struct {
		s                         Snapshot
		ready, importNeeded       bool
		threshold, total          int
		balance, unlocked, height uint64
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
	if b, ok := attrBool(attrs, AttrSnapshotImportNeeded); ok {
		v.importNeeded, s.MultisigImportNeeded = b, &v.importNeeded
	}
	if n, ok := attrUint(attrs, AttrSnapshotHeight); ok {
		v.height, s.Height = n, &v.height
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
