package escrowtrace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"slices"
)

// The file is a public format read by tools we do not know: a reader of a
// newer v1 file must not lose the fields it does not know. So File and Event
// carry their unknown fields in Extra, and write them back after the known ones.

// Keys of the fields the types know; an Extra entry with one of these names
// is ignored on write, the typed field wins.
var (
	fileKeys  = []string{"schema", "escrow_id", "trace_id", "service", "started_at", "ended_at", "duration_ms", "outcome", "error", "events", "otlp"}
	eventKeys = []string{"seq", "type", "time", "offset_ms", "role", "round", "method", "endpoint", "span_id", "duration_ms", "error", "context", "snapshot"}
)

// MarshalJSON writes the known fields in a fixed order, then Extra's fields
// sorted by name. Events is never written as null.
func (f File) MarshalJSON() ([]byte, error) {
	type plain File // no methods: no recursion
	p := plain(f)
	if p.Events == nil {
		p.Events = []Event{}
	}
	known, err := json.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("marshal escrow trace %s: %w", f.EscrowID, err)
	}
	return appendExtra(known, f.Extra, fileKeys)
}

// UnmarshalJSON decodes strictly, like Decode.
func (f *File) UnmarshalJSON(data []byte) error {
	return decodeFile(data, f)
}

// MarshalJSON writes the known fields, then Extra's fields sorted by name.
func (e Event) MarshalJSON() ([]byte, error) {
	type plain Event
	known, err := json.Marshal(plain(e))
	if err != nil {
		return nil, fmt.Errorf("marshal event %d: %w", e.Seq, err)
	}
	return appendExtra(known, e.Extra, eventKeys)
}

// UnmarshalJSON decodes one event strictly; errors name the field.
func (e *Event) UnmarshalJSON(data []byte) error {
	return decodeEvent(data, "", e)
}

// appendExtra splices extra's members into the JSON object obj.
func appendExtra(obj []byte, extra map[string]json.RawMessage, known []string) ([]byte, error) {
	if len(extra) == 0 {
		return obj, nil
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(known, k) {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return obj, nil
	}
	slices.Sort(keys)
	var b bytes.Buffer
	b.Write(obj[:len(obj)-1]) // without the closing brace
	for i, k := range keys {
		if i > 0 || len(obj) > 2 {
			b.WriteByte(',')
		}
		name, _ := json.Marshal(k)
		b.Write(name)
		b.WriteByte(':')
		if err := json.Compact(&b, extra[k]); err != nil {
			return nil, fmt.Errorf("extra field %q: %w", k, err)
		}
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}
