package escrowtrace

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"time"
	"unicode/utf8"
)

// The JSON writing under the encoder (encode.go): objects and arrays at a
// depth, indented by two spaces a level or compact, and values written
// exactly as encoding/json writes them.

// objWriter writes JSON objects, indented unless compact; n counts the
// members of the innermost open object, err keeps the first error.
type objWriter struct {
	b       []byte
	n       int
	err     error
	compact bool
}

func (w *objWriter) fail(err error) {
	if w.err == nil {
		w.err = err
	}
}

// extra writes the unknown members kept in extra (those not named in known),
// sorted by name, as members at depth d.
func (w *objWriter) extra(extra map[string]json.RawMessage, known []string, d int) {
	if len(extra) == 0 {
		return
	}
	keys := make([]string, 0, len(extra))
	for k := range extra {
		if !slices.Contains(known, k) {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	for _, k := range keys {
		w.n++
		if w.n > 1 {
			w.b = append(w.b, ',')
		}
		w.newline(d)
		w.str(k)
		w.colon()
		if err := w.raw(extra[k], d); err != nil {
			w.fail(fmt.Errorf("extra field %q: %w", k, err))
		}
	}
}

// raw writes a JSON value held as raw bytes whose key is at depth d, as
// encoding/json writes a RawMessage inside MarshalIndent: compacted, with
// <, > and & (and U+2028, U+2029) escaped in its strings, then indented with
// the rest. Indent alone skips the insignificant space that Compact would
// remove (but keeps trailing space); the escaping is needed only if one of
// those characters is there at all.
func (w *objWriter) raw(raw json.RawMessage, d int) error {
	raw = bytes.TrimRight(raw, " \t\r\n")
	at := len(w.b)
	out := bytes.NewBuffer(w.b)
	layout := func(out *bytes.Buffer, raw []byte) error {
		if w.compact {
			return json.Compact(out, raw)
		}
		return json.Indent(out, raw, indent(d), indent(1))
	}
	err := layout(out, raw)
	if err == nil && needsHTMLEscape(out.Bytes()[at:]) {
		var escaped bytes.Buffer
		json.HTMLEscape(&escaped, raw)
		out = bytes.NewBuffer(w.b[:at])
		err = layout(out, escaped.Bytes())
	}
	w.b = out.Bytes()
	if err != nil {
		w.b = append(w.b[:at], "null"...)
	}
	return err
}

// needsHTMLEscape reports whether b holds a byte or character that
// json.HTMLEscape changes.
func needsHTMLEscape(b []byte) bool {
	for i, c := range b {
		switch c {
		case '<', '>', '&':
			return true
		case 0xE2: // U+2028 and U+2029 are E2 80 A8 and E2 80 A9
			if i+2 < len(b) && b[i+1] == 0x80 && b[i+2]&^1 == 0xA8 {
				return true
			}
		}
	}
	return false
}

// spaces holds the indentation of the deepest level the file has.
const spaces = "                "

// indent is the indentation of depth d: two spaces per level.
func indent(d int) string { return spaces[:2*d] }

func (w *objWriter) newline(d int) {
	if w.compact {
		return
	}
	w.b = append(w.b, '\n')
	w.b = append(w.b, indent(d)...)
}

func (w *objWriter) colon() {
	if w.compact {
		w.b = append(w.b, ':')
		return
	}
	w.b = append(w.b, ": "...)
}

func (w *objWriter) open() {
	w.b = append(w.b, '{')
	w.n = 0
}

// key starts a member at depth d. Keys are the types' own JSON names, which
// need no escaping.
func (w *objWriter) key(d int, k string) {
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.newline(d)
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, '"')
	w.colon()
}

// close ends an object whose own line is at depth d; the enclosing object
// has at least one member (the key of this one), so n becomes 1.
func (w *objWriter) close(d int) {
	if w.n > 0 {
		w.newline(d)
	}
	w.b = append(w.b, '}')
	w.n = 1
}

// item starts the i-th item of an array whose items are at depth d.
func (w *objWriter) item(i, d int) {
	if i > 0 {
		w.b = append(w.b, ',')
	}
	w.newline(d)
}

// endArray ends a non-empty array whose key is at depth d.
func (w *objWriter) endArray(d int) {
	w.newline(d)
	w.b = append(w.b, ']')
	w.n = 1
}

func (w *objWriter) int(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }

func (w *objWriter) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

// time writes t as time.Time's MarshalJSON does (RFC 3339 with nanoseconds,
// an error for a year outside 0..9999).
func (w *objWriter) time(t time.Time) {
	w.b = append(w.b, '"')
	b, err := t.AppendText(w.b)
	if err != nil {
		w.fail(err)
		b = append(w.b, '0')
	}
	w.b = append(b, '"')
}

// float writes f as encoding/json writes a float64 (ES6 number formatting);
// NaN and infinities are errors.
func (w *objWriter) float(f float64) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		w.fail(fmt.Errorf("unsupported value %v", f))
		w.b = append(w.b, '0')
		return
	}
	abs := math.Abs(f)
	format := byte('f')
	if abs != 0 && (abs < 1e-6 || abs >= 1e21) {
		format = 'e'
	}
	b := strconv.AppendFloat(w.b, f, format, -1, 64)
	if format == 'e' {
		// e-09 -> e-9, as encoding/json does
		if n := len(b); n >= 4 && b[n-4] == 'e' && b[n-3] == '-' && b[n-2] == '0' {
			b[n-2] = b[n-1]
			b = b[:n-1]
		}
	}
	w.b = b
}

const hexDigits = "0123456789abcdef"

// str writes s as encoding/json writes a string with HTML escaping (its
// default): <, > and & as \u003c, \u003e, \u0026, invalid UTF-8 as \ufffd,
// U+2028 and U+2029 escaped.
func (w *objWriter) str(s string) {
	b := append(w.b, '"')
	start := 0
	for i := 0; i < len(s); {
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '\\', '"':
				b = append(b, '\\', c)
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, `\ufffd`...)
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	w.b = append(b, '"')
}
