package jsonfile

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/escrowd/escrowd/pkg/escrowtrace"
)

// appendFile appends f as json.MarshalIndent(f, "", "  ") writes it, byte
// for byte, in one pass and without reflection: MarshalIndent marshals every
// event through its MarshalJSON, compacts the result, then indents the whole
// file again, which was most of the exporter's CPU. A file with Extra fields
// (Build never makes one) takes encoding/json's path. TestAppendFile holds
// the two equal; TestAppendFileKnowsEveryField fails when a field is added to
// the file's types and not here.
func appendFile(dst []byte, f *escrowtrace.File) ([]byte, error) {
	if hasExtra(f) {
		data, err := json.MarshalIndent(f, "", "  ")
		if err != nil {
			return dst, fmt.Errorf("encode escrow trace %s: %w", f.EscrowID, err)
		}
		return append(dst, data...), nil
	}
	start := len(dst)
	w := objWriter{b: dst}
	var err error
	w.open()
	w.key(ind1, "schema")
	w.str(f.Schema)
	w.key(ind1, "escrow_id")
	w.str(f.EscrowID)
	w.key(ind1, "trace_id")
	w.str(f.TraceID)
	if f.Service != "" {
		w.key(ind1, "service")
		w.str(f.Service)
	}
	w.key(ind1, "started_at")
	w.time(f.StartedAt, &err)
	if f.EndedAt != nil {
		w.key(ind1, "ended_at")
		w.time(*f.EndedAt, &err)
	}
	if f.DurationMS != nil {
		w.key(ind1, "duration_ms")
		w.float(*f.DurationMS, &err)
	}
	w.key(ind1, "outcome")
	w.str(f.Outcome)
	w.key(ind1, "error")
	if fe := f.Error; fe == nil {
		w.b = append(w.b, "null"...)
	} else {
		w.open()
		w.key(ind2, "message")
		w.str(fe.Message)
		if fe.Role != "" {
			w.key(ind2, "role")
			w.str(fe.Role)
		}
		if fe.Round != 0 {
			w.key(ind2, "round")
			w.int(int64(fe.Round))
		}
		if fe.Operation != "" {
			w.key(ind2, "operation")
			w.str(fe.Operation)
		}
		w.close(ind1)
	}
	w.key(ind1, "events")
	if len(f.Events) == 0 {
		w.b = append(w.b, "[]"...)
	} else {
		w.b = append(w.b, '[')
		for i := range f.Events {
			if i > 0 {
				w.b = append(w.b, ',')
			}
			w.b = append(w.b, '\n')
			w.b = append(w.b, ind2...)
			w.event(&f.Events[i], &err)
		}
		w.b = append(w.b, '\n')
		w.b = append(w.b, ind1...)
		w.b = append(w.b, ']')
	}
	if len(f.OTLP) > 0 {
		w.key(ind1, "otlp")
		// encoding/json compacts a RawMessage, escaping <, > and & (and
		// U+2028, U+2029) in its strings, then indents it with the rest of
		// the file. Indent alone skips the insignificant space that Compact
		// would remove (but keeps trailing space); the escaping is needed
		// only if one of those characters is there at all.
		raw := bytes.TrimRight(f.OTLP, " \t\r\n")
		at := len(w.b)
		out := bytes.NewBuffer(w.b)
		ierr := json.Indent(out, raw, ind1, ind1)
		if ierr == nil && needsHTMLEscape(out.Bytes()[at:]) {
			var escaped bytes.Buffer
			json.HTMLEscape(&escaped, raw)
			out = bytes.NewBuffer(w.b[:at])
			ierr = json.Indent(out, escaped.Bytes(), ind1, ind1)
		}
		if ierr != nil && err == nil {
			err = fmt.Errorf("otlp section: %w", ierr)
		}
		w.b = out.Bytes()
	}
	w.close("")
	if err != nil {
		return dst[:start], fmt.Errorf("encode escrow trace %s: %w", f.EscrowID, err)
	}
	return w.b, nil
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

// Indentation of the file's nesting levels.
const (
	ind1 = "  "
	ind2 = ind1 + ind1
	ind3 = ind2 + ind1
	ind4 = ind3 + ind1
)

func hasExtra(f *escrowtrace.File) bool {
	if len(f.Extra) > 0 {
		return true
	}
	for i := range f.Events {
		if len(f.Events[i].Extra) > 0 {
			return true
		}
	}
	return false
}

// objWriter writes indented JSON objects; n counts the members of the
// innermost open object.
type objWriter struct {
	b []byte
	n int
}

func (w *objWriter) open() {
	w.b = append(w.b, '{')
	w.n = 0
}

// key starts a member at the given indentation. Keys are the types' own
// JSON names, which need no escaping.
func (w *objWriter) key(indent, k string) {
	if w.n > 0 {
		w.b = append(w.b, ',')
	}
	w.n++
	w.b = append(w.b, '\n')
	w.b = append(w.b, indent...)
	w.b = append(w.b, '"')
	w.b = append(w.b, k...)
	w.b = append(w.b, `": `...)
}

// close ends an object whose own line is indented by indent; the enclosing
// object has at least one member (the key of this one), so n becomes 1.
func (w *objWriter) close(indent string) {
	if w.n > 0 {
		w.b = append(w.b, '\n')
		w.b = append(w.b, indent...)
	}
	w.b = append(w.b, '}')
	w.n = 1
}

func (w *objWriter) event(e *escrowtrace.Event, err *error) {
	w.open()
	w.key(ind3, "seq")
	w.int(int64(e.Seq))
	w.key(ind3, "type")
	w.str(e.Type)
	w.key(ind3, "time")
	w.time(e.Time, err)
	w.key(ind3, "offset_ms")
	w.float(e.OffsetMS, err)
	if e.Role != "" {
		w.key(ind3, "role")
		w.str(e.Role)
	}
	if e.Round != 0 {
		w.key(ind3, "round")
		w.int(int64(e.Round))
	}
	if e.Method != "" {
		w.key(ind3, "method")
		w.str(e.Method)
	}
	if e.Endpoint != "" {
		w.key(ind3, "endpoint")
		w.str(e.Endpoint)
	}
	if e.SpanID != "" {
		w.key(ind3, "span_id")
		w.str(e.SpanID)
	}
	if e.DurationMS != nil {
		w.key(ind3, "duration_ms")
		w.float(*e.DurationMS, err)
	}
	if ee := e.Error; ee != nil {
		w.key(ind3, "error")
		w.open()
		if ee.Code != nil {
			w.key(ind4, "code")
			w.int(int64(*ee.Code))
		}
		w.key(ind4, "message")
		w.str(ee.Message)
		w.close(ind3)
	}
	if c := e.Context; c != nil {
		w.key(ind3, "context")
		w.open()
		if c.Round != 0 {
			w.key(ind4, "round")
			w.int(int64(c.Round))
		}
		if c.Operation != "" {
			w.key(ind4, "operation")
			w.str(c.Operation)
		}
		if c.WalletID != "" {
			w.key(ind4, "wallet_id")
			w.str(c.WalletID)
		}
		if c.EscrowID != "" {
			w.key(ind4, "escrow_id")
			w.str(c.EscrowID)
		}
		w.close(ind3)
	}
	if s := e.Snapshot; s != nil {
		w.key(ind3, "snapshot")
		w.snapshot(s)
		w.close(ind3)
	}
	w.close(ind2)
}

func (w *objWriter) snapshot(s *escrowtrace.Snapshot) {
	w.open()
	if s.WalletID != "" {
		w.key(ind4, "wallet_id")
		w.str(s.WalletID)
	}
	w.key(ind4, "is_multisig")
	w.bool(s.IsMultisig)
	if s.Ready != nil {
		w.key(ind4, "ready")
		w.bool(*s.Ready)
	}
	if s.Threshold != nil {
		w.key(ind4, "threshold")
		w.int(int64(*s.Threshold))
	}
	if s.Total != nil {
		w.key(ind4, "total")
		w.int(int64(*s.Total))
	}
	if s.Balance != nil {
		w.key(ind4, "balance")
		w.b = strconv.AppendUint(w.b, *s.Balance, 10)
	}
	if s.UnlockedBalance != nil {
		w.key(ind4, "unlocked_balance")
		w.b = strconv.AppendUint(w.b, *s.UnlockedBalance, 10)
	}
	if s.AddressHash != "" {
		w.key(ind4, "address_hash")
		w.str(s.AddressHash)
	}
	if s.WalletFileMode != "" {
		w.key(ind4, "wallet_file_mode")
		w.str(s.WalletFileMode)
	}
	if s.Error != "" {
		w.key(ind4, "error")
		w.str(s.Error)
	}
}

func (w *objWriter) int(n int64) { w.b = strconv.AppendInt(w.b, n, 10) }

func (w *objWriter) bool(v bool) { w.b = strconv.AppendBool(w.b, v) }

// time writes t as time.Time's MarshalJSON does (RFC 3339 with nanoseconds,
// an error for a year outside 0..9999).
func (w *objWriter) time(t time.Time, err *error) {
	w.b = append(w.b, '"')
	b, terr := t.AppendText(w.b)
	if terr != nil {
		if *err == nil {
			*err = terr
		}
		b = append(w.b, '0')
	}
	w.b = append(b, '"')
}

// float writes f as encoding/json writes a float64 (ES6 number formatting);
// NaN and infinities are errors.
func (w *objWriter) float(f float64, err *error) {
	if math.IsInf(f, 0) || math.IsNaN(f) {
		if *err == nil {
			*err = fmt.Errorf("unsupported value %v", f)
		}
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
