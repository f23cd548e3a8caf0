package escrowtrace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"math"
	"slices"
	"strconv"
	"time"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// Decode reads one escrow trace file. It checks what a reader relies on: the
// schema name, the required fields, the JSON type of every known field, and
// that escrow_id and trace_id have their contract's form (escrow_id may end
// up in a path). Unknown fields and unknown event types are kept, in Extra and
// Event.Type, so that newer v1 files still read. Errors say where:
// "events[12].seq: want an integer, got \"x\"". Validate checks the full schema.
//
// What the contract defines for an absent optional field is filled in, so
// that a file of another producer reads like ours: a snapshot event without a
// round gets its point's round (escrow.Point.Round), an event without a phase
// gets escrow.PhaseSetup.
//
// Files as the exporter writes them are read in one pass over the bytes
// (decode_fast.go); anything else, and every invalid file, takes the general
// path below, which reads any valid file and names the fault of an invalid
// one. Both fill the same File (TestDecodeFast, FuzzDecodeFast).
func Decode(r io.Reader) (*File, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("decode escrow trace: %w", err)
	}
	var f File
	if err := decodeFile(data, &f); err != nil {
		return nil, err
	}
	return &f, nil
}

// fieldError is a decoding error at a path such as events[3].snapshot.total.
type fieldError struct {
	path string
	msg  string
}

func (e *fieldError) Error() string { return e.path + ": " + e.msg }

func errAt(path, format string, args ...any) error {
	return &fieldError{path: path, msg: fmt.Sprintf(format, args...)}
}

func join(prefix, name string) string {
	if prefix == "" {
		return name
	}
	return prefix + "." + name
}

// members splits a JSON object into its members; anything else is an error at
// path. Callers walk the members in sorted order so that a file with several
// faults always reports the same one.
func members(data []byte, path string) (map[string]json.RawMessage, error) {
	data = bytes.TrimSpace(data)
	if len(data) == 0 || data[0] != '{' {
		return nil, errAt(orRoot(path), "want an object, got %s", show(data))
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(data, &m); err != nil {
		return nil, errAt(orRoot(path), "%v", err)
	}
	return m, nil
}

func orRoot(path string) string {
	if path == "" {
		return "(root)"
	}
	return path
}

func decodeFile(data []byte, f *File) error {
	if fast, ok := decodeFast(data); ok {
		*f = fast
	} else if err := decodeFileGeneral(data, f); err != nil {
		return err
	}
	for i := range f.Events {
		f.Events[i].derive()
	}
	return nil
}

// decodeFileGeneral reads any valid file and names the fault of an invalid one.
func decodeFileGeneral(data []byte, f *File) error {
	if err := decodeFileFields(data, f); err != nil {
		return fmt.Errorf("decode escrow trace: %w", err)
	}
	return nil
}

func decodeFileFields(data []byte, f *File) error {
	m, err := members(data, "")
	if err != nil {
		return err
	}
	*f = File{}
	for _, k := range []string{"schema", "escrow_id", "trace_id", "started_at", "outcome", "events"} {
		if _, ok := m[k]; !ok {
			return errAt(k, "required field is missing")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		raw := m[k]
		switch k {
		case "schema":
			f.Schema, err = decodeString(raw, k)
			if err == nil && f.Schema != Schema {
				err = errAt(k, "want %q, got %.80q", Schema, f.Schema)
			}
		case "escrow_id":
			f.EscrowID, err = decodeString(raw, k)
			if err == nil && !escrow.ValidID(f.EscrowID) {
				err = errAt(k, "%.80q does not match %s", f.EscrowID, escrow.IDRule)
			}
		case "trace_id":
			f.TraceID, err = decodeString(raw, k)
			if err == nil && !isLowerHex(f.TraceID, 32) {
				err = errAt(k, "%.80q is not 32 lowercase hex characters", f.TraceID)
			}
		case "service":
			f.Service, err = decodeString(raw, k)
		case "started_at":
			f.StartedAt, err = decodeTime(raw, k)
		case "ended_at":
			var t time.Time
			t, err = decodeTime(raw, k)
			f.EndedAt = &t
		case "duration_ms":
			var d float64
			d, err = decodeNonNegative(raw, k)
			f.DurationMS = &d
		case "outcome":
			f.Outcome, err = decodeString(raw, k)
		case "error":
			f.Error, err = decodeFileError(raw, k, false)
		case "phases":
			f.Phases, err = decodePhases(raw, k)
		case "events":
			f.Events, err = decodeEvents(raw, k)
		case "otlp":
			if _, err = members(raw, k); err == nil {
				f.OTLP = append(json.RawMessage(nil), raw...)
			}
		default:
			if f.Extra == nil {
				f.Extra = make(map[string]json.RawMessage)
			}
			f.Extra[k] = append(json.RawMessage(nil), raw...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// decodeFileError reads the file's error, or a phase's (optional: the
// contract requires no message there).
func decodeFileError(raw json.RawMessage, path string, optional bool) (*FileError, error) {
	if isNull(raw) {
		return nil, nil
	}
	m, err := members(raw, path)
	if err != nil {
		return nil, err
	}
	if _, ok := m["message"]; !ok && !optional {
		return nil, errAt(join(path, "message"), "required field is missing")
	}
	fe := &FileError{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		p := join(path, k)
		switch k {
		case "message":
			fe.Message, err = decodeString(v, p)
		case "role":
			fe.Role, err = decodeString(v, p)
		case "round":
			fe.Round, err = decodeInt(v, p)
		case "operation":
			fe.Operation, err = decodeString(v, p)
		case "kind":
			var kind string
			kind, err = decodeString(v, p)
			fe.Kind = escrow.Kind(kind)
		}
		if err != nil {
			return nil, err
		}
	}
	return fe, nil
}

func decodePhases(raw json.RawMessage, path string) ([]PhaseRecord, error) {
	return decodeArray(raw, path, decodePhase)
}

func decodePhase(data []byte, path string, p *PhaseRecord) error {
	m, err := members(data, path)
	if err != nil {
		return err
	}
	for _, k := range []string{"name", "outcome", "started_at"} {
		if _, ok := m[k]; !ok {
			return errAt(join(path, k), "required field is missing")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		raw := m[k]
		q := join(path, k)
		switch k {
		case "name":
			var name string
			name, err = decodeString(raw, q)
			p.Name = escrow.Phase(name)
		case "outcome":
			p.Outcome, err = decodeString(raw, q)
		case "started_at":
			p.StartedAt, err = decodeTime(raw, q)
		case "ended_at":
			var t time.Time
			t, err = decodeTime(raw, q)
			p.EndedAt = &t
		case "duration_ms":
			var d float64
			d, err = decodeNonNegative(raw, q)
			p.DurationMS = &d
		case "error":
			p.Error, err = decodeFileError(raw, q, true)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func decodeEvents(raw json.RawMessage, path string) ([]Event, error) {
	return decodeArray(raw, path, decodeEvent)
}

// decodeArray reads a JSON array whose items item decodes.
func decodeArray[T any](raw json.RawMessage, path string, item func([]byte, string, *T) error) ([]T, error) {
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] != '[' {
		return nil, errAt(path, "want an array, got %s", show(trimmed))
	}
	var items []json.RawMessage
	if err := json.Unmarshal(trimmed, &items); err != nil {
		return nil, errAt(path, "%v", err)
	}
	out := make([]T, len(items))
	for i, raw := range items {
		if err := item(raw, fmt.Sprintf("%s[%d]", path, i), &out[i]); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func decodeEvent(data []byte, path string, e *Event) error {
	m, err := members(data, path)
	if err != nil {
		return err
	}
	*e = Event{}
	for _, k := range []string{"seq", "type", "time", "offset_ms"} {
		if _, ok := m[k]; !ok {
			return errAt(join(path, k), "required field is missing")
		}
	}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		raw := m[k]
		p := join(path, k)
		switch k {
		case "seq":
			e.Seq, err = decodeInt(raw, p)
			if err == nil && e.Seq < 0 {
				err = errAt(p, "want a non-negative integer, got %d", e.Seq)
			}
		case "type":
			e.Type, err = decodeString(raw, p)
		case "time":
			e.Time, err = decodeTime(raw, p)
		case "offset_ms":
			e.OffsetMS, err = decodeNonNegative(raw, p)
		case "role":
			e.Role, err = decodeString(raw, p)
		case "round":
			e.Round, err = decodeInt(raw, p)
		case "method":
			e.Method, err = decodeString(raw, p)
		case "endpoint":
			e.Endpoint, err = decodeString(raw, p)
		case "span_id":
			e.SpanID, err = decodeString(raw, p)
		case "duration_ms":
			var d float64
			d, err = decodeNonNegative(raw, p)
			e.DurationMS = &d
		case "error":
			e.Error, err = decodeEventError(raw, p)
		case "context":
			e.Context, err = decodeContext(raw, p)
		case "snapshot":
			e.Snapshot, err = decodeSnapshot(raw, p)
		case "phase":
			var phase string
			phase, err = decodeString(raw, p)
			e.Phase = escrow.Phase(phase)
		default:
			if e.Extra == nil {
				e.Extra = make(map[string]json.RawMessage)
			}
			e.Extra[k] = append(json.RawMessage(nil), raw...)
		}
		if err != nil {
			return err
		}
	}
	return nil
}

func decodeEventError(raw json.RawMessage, path string) (*EventError, error) {
	m, err := members(raw, path)
	if err != nil {
		return nil, err
	}
	if _, ok := m["message"]; !ok {
		return nil, errAt(join(path, "message"), "required field is missing")
	}
	ee := &EventError{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		p := join(path, k)
		switch k {
		case "message":
			ee.Message, err = decodeString(v, p)
		case "code":
			var c int
			c, err = decodeInt(v, p)
			ee.Code = &c
		case "kind":
			var kind string
			kind, err = decodeString(v, p)
			ee.Kind = escrow.Kind(kind)
		}
		if err != nil {
			return nil, err
		}
	}
	return ee, nil
}

func decodeContext(raw json.RawMessage, path string) (*ErrorContext, error) {
	m, err := members(raw, path)
	if err != nil {
		return nil, err
	}
	c := &ErrorContext{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		p := join(path, k)
		switch k {
		case "round":
			c.Round, err = decodeInt(v, p)
		case "operation":
			c.Operation, err = decodeString(v, p)
		case "wallet_id":
			c.WalletID, err = decodeString(v, p)
		case "escrow_id":
			c.EscrowID, err = decodeString(v, p)
		case "phase":
			var phase string
			phase, err = decodeString(v, p)
			c.Phase = escrow.Phase(phase)
		case "role":
			c.Role, err = decodeString(v, p)
		}
		if err != nil {
			return nil, err
		}
	}
	return c, nil
}

func decodeSnapshot(raw json.RawMessage, path string) (*Snapshot, error) {
	m, err := members(raw, path)
	if err != nil {
		return nil, err
	}
	if _, ok := m["is_multisig"]; !ok {
		return nil, errAt(join(path, "is_multisig"), "required field is missing")
	}
	s := &Snapshot{}
	for _, k := range slices.Sorted(maps.Keys(m)) {
		v := m[k]
		p := join(path, k)
		switch k {
		case "wallet_id":
			s.WalletID, err = decodeString(v, p)
		case "is_multisig":
			s.IsMultisig, err = decodeBool(v, p)
		case "ready":
			var b bool
			b, err = decodeBool(v, p)
			s.Ready = &b
		case "threshold":
			var n int
			n, err = decodeInt(v, p)
			s.Threshold = &n
		case "total":
			var n int
			n, err = decodeInt(v, p)
			s.Total = &n
		case "balance":
			var n uint64
			n, err = decodeUint(v, p)
			s.Balance = &n
		case "unlocked_balance":
			var n uint64
			n, err = decodeUint(v, p)
			s.UnlockedBalance = &n
		case "address_hash":
			s.AddressHash, err = decodeString(v, p)
		case "wallet_file_mode":
			s.WalletFileMode, err = decodeString(v, p)
		case "multisig_import_needed":
			var b bool
			b, err = decodeBool(v, p)
			s.MultisigImportNeeded = &b
		case "height":
			var n uint64
			n, err = decodeUint(v, p)
			s.Height = &n
		case "error":
			s.Error, err = decodeString(v, p)
		}
		if err != nil {
			return nil, err
		}
	}
	return s, nil
}

func decodeString(raw json.RawMessage, path string) (string, error) {
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || isNull(raw) {
		return "", errAt(path, "want a string, got %s", show(raw))
	}
	return s, nil
}

func decodeBool(raw json.RawMessage, path string) (bool, error) {
	var b bool
	if err := json.Unmarshal(raw, &b); err != nil || isNull(raw) {
		return false, errAt(path, "want a boolean, got %s", show(raw))
	}
	return b, nil
}

func decodeTime(raw json.RawMessage, path string) (time.Time, error) {
	s, err := decodeString(raw, path)
	if err != nil {
		return time.Time{}, err
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, errAt(path, "want an RFC 3339 date-time, got %.80q", s)
	}
	return t, nil
}

// number reads a JSON number as text, so that integers are checked exactly.
func number(raw json.RawMessage, path, want string) (json.Number, error) {
	var n json.Number
	trimmed := bytes.TrimSpace(raw)
	if len(trimmed) == 0 || trimmed[0] == '"' || json.Unmarshal(trimmed, &n) != nil || n == "" {
		return "", errAt(path, "want %s, got %s", want, show(raw))
	}
	return n, nil
}

func decodeNonNegative(raw json.RawMessage, path string) (float64, error) {
	n, err := number(raw, path, "a number")
	if err != nil {
		return 0, err
	}
	f, err := n.Float64()
	if err != nil || math.IsInf(f, 0) {
		return 0, errAt(path, "want a number, got %s", show(raw))
	}
	if f < 0 {
		return 0, errAt(path, "want a non-negative number, got %s", n)
	}
	return f, nil
}

func decodeInt(raw json.RawMessage, path string) (int, error) {
	n, err := number(raw, path, "an integer")
	if err != nil {
		return 0, err
	}
	i, err := strconv.ParseInt(string(n), 10, 32)
	if err != nil {
		// JSON Schema counts 3.0 as an integer.
		f, ferr := n.Float64()
		if ferr != nil || f != math.Trunc(f) || f < math.MinInt32 || f > math.MaxInt32 {
			return 0, errAt(path, "want an integer, got %s", n)
		}
		i = int64(f)
	}
	return int(i), nil
}

func decodeUint(raw json.RawMessage, path string) (uint64, error) {
	n, err := number(raw, path, "a non-negative integer")
	if err != nil {
		return 0, err
	}
	u, err := strconv.ParseUint(string(n), 10, 64)
	if err != nil {
		return 0, errAt(path, "want a non-negative integer, got %s", n)
	}
	return u, nil
}

func isNull(raw json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(raw), []byte("null"))
}

// show quotes a bad value for an error message, shortened.
func show(raw []byte) string {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 {
		return "nothing"
	}
	const maxShown = 40
	if len(raw) > maxShown {
		return string(raw[:maxShown]) + "..."
	}
	return string(raw)
}
