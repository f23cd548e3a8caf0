package escrowtrace

import (
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// decodeFast reads the files that the exporter writes, in one pass over the
// bytes and without encoding/json: known fields only, each of its expected
// JSON type, strings without escapes, plain numbers, no repeated keys. It
// reports false for anything else (an unknown field, an otlp section, an
// escape, a value that would be an error...), and decodeFile then takes the
// general path, which reads every valid file and names the fault of an
// invalid one. What it does read, it reads to the same File as the general
// path (FuzzDecodeFast holds the two equal).
//
// Strings are substrings of one copy of the file.
func decodeFast(data []byte) (File, bool) {
	d := fastDecoder{s: string(data)}
	var f File
	if !d.file(&f) {
		return File{}, false
	}
	d.ws()
	return f, d.i == len(d.s)
}

type fastDecoder struct {
	s string
	i int
}

func (d *fastDecoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// eat skips white space and then c, reporting whether c was there.
func (d *fastDecoder) eat(c byte) bool {
	d.ws()
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// object reads an object whose keys must be in known (at most 32, no key
// twice) and calls member with each key's index, positioned at its value.
// It returns the set of keys seen.
func (d *fastDecoder) object(known []string, member func(k int) bool) (seen uint32, ok bool) {
	if !d.eat('{') {
		return 0, false
	}
	if d.eat('}') {
		return 0, true
	}
	for {
		d.ws()
		key, ok := d.str()
		if !ok || !d.eat(':') {
			return 0, false
		}
		k := indexOf(known, key)
		if k < 0 || seen&(1<<k) != 0 {
			return 0, false
		}
		seen |= 1 << k
		d.ws()
		if !member(k) {
			return 0, false
		}
		if d.eat(',') {
			continue
		}
		return seen, d.eat('}')
	}
}

func indexOf(known []string, key string) int {
	for i, k := range known {
		if k == key {
			return i
		}
	}
	return -1
}

// has reports whether seen holds all of the keys at the indexes want.
func has(seen uint32, want ...int) bool {
	for _, k := range want {
		if seen&(1<<k) == 0 {
			return false
		}
	}
	return true
}

// str reads a string without escapes or control characters, valid UTF-8.
func (d *fastDecoder) str() (string, bool) {
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return "", false
	}
	start := d.i + 1
	ascii := true
	for j := start; j < len(d.s); j++ {
		switch c := d.s[j]; {
		case c == '"':
			s := d.s[start:j]
			if !ascii && !utf8.ValidString(s) {
				return "", false
			}
			d.i = j + 1
			return s, true
		case c == '\\' || c < 0x20:
			return "", false
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	return "", false
}

func (d *fastDecoder) time() (time.Time, bool) {
	s, ok := d.str()
	if !ok {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	return t, err == nil
}

func (d *fastDecoder) bool() (bool, bool) {
	switch {
	case len(d.s)-d.i >= 4 && d.s[d.i:d.i+4] == "true":
		d.i += 4
		return true, true
	case len(d.s)-d.i >= 5 && d.s[d.i:d.i+5] == "false":
		d.i += 5
		return false, true
	}
	return false, false
}

func (d *fastDecoder) null() bool {
	if len(d.s)-d.i >= 4 && d.s[d.i:d.i+4] == "null" {
		d.i += 4
		return true
	}
	return false
}

// number reads a JSON number and says whether it is a plain integer (no
// fraction, no exponent).
func (d *fastDecoder) number() (lit string, integer, ok bool) {
	s, i := d.s, d.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && '1' <= s[i] && s[i] <= '9':
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	default:
		return "", false, false
	}
	integer = true
	if i < len(s) && s[i] == '.' {
		integer = false
		i++
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return "", false, false
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		integer = false
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || s[i] < '0' || s[i] > '9' {
			return "", false, false
		}
		for i < len(s) && '0' <= s[i] && s[i] <= '9' {
			i++
		}
	}
	lit = s[d.i:i]
	d.i = i
	return lit, integer, true
}

// int reads what decodeInt accepts without its float fallback.
func (d *fastDecoder) int() (int, bool) {
	lit, integer, ok := d.number()
	if !ok || !integer {
		return 0, false
	}
	n, err := strconv.ParseInt(lit, 10, 32)
	return int(n), err == nil
}

func (d *fastDecoder) uint() (uint64, bool) {
	lit, integer, ok := d.number()
	if !ok || !integer || lit[0] == '-' {
		return 0, false
	}
	n, err := strconv.ParseUint(lit, 10, 64)
	return n, err == nil
}

func (d *fastDecoder) nonNegative() (float64, bool) {
	lit, _, ok := d.number()
	if !ok {
		return 0, false
	}
	f, err := strconv.ParseFloat(lit, 64)
	return f, err == nil && f >= 0
}

// The objects below index the key lists of encode.go (fileKeys, eventKeys...).

func (d *fastDecoder) file(f *File) bool {
	seen, ok := d.object(fileKeys, func(k int) bool {
		var ok bool
		switch k {
		case 0:
			f.Schema, ok = d.str()
			return ok && f.Schema == Schema
		case 1:
			f.EscrowID, ok = d.str()
			return ok && escrow.ValidID(f.EscrowID)
		case 2:
			f.TraceID, ok = d.str()
			return ok && isLowerHex(f.TraceID, 32)
		case 3:
			f.Service, ok = d.str()
		case 4:
			f.StartedAt, ok = d.time()
		case 5:
			var t time.Time
			t, ok = d.time()
			f.EndedAt = &t
		case 6:
			var ms float64
			ms, ok = d.nonNegative()
			f.DurationMS = &ms
		case 7:
			f.Outcome, ok = d.str()
		case 8:
			if d.null() {
				return true
			}
			f.Error = &FileError{}
			ok = d.fileError(f.Error, false)
		case 9:
			f.Phases, ok = fastArray(d, 4, d.phase)
		case 10:
			f.Events, ok = fastArray(d, 16, d.event)
		}
		return ok // otlp (11): the general path
	})
	return ok && has(seen, 0, 1, 2, 4, 7, 10)
}

func (d *fastDecoder) fileError(fe *FileError, optional bool) bool {
	seen, ok := d.object(fileErrorKeys, func(k int) bool {
		var ok bool
		switch k {
		case 0:
			fe.Message, ok = d.str()
		case 1:
			fe.Role, ok = d.str()
		case 2:
			fe.Round, ok = d.int()
		case 3:
			fe.Operation, ok = d.str()
		case 4:
			var kind string
			kind, ok = d.str()
			fe.Kind = escrow.Kind(kind)
		}
		return ok
	})
	return ok && (optional || has(seen, 0))
}

func (d *fastDecoder) phase(p *PhaseRecord) bool {
	seen, ok := d.object(phaseKeys, func(k int) bool {
		var ok bool
		switch k {
		case 0:
			var name string
			name, ok = d.str()
			p.Name = escrow.Phase(name)
		case 1:
			p.Outcome, ok = d.str()
		case 2:
			p.StartedAt, ok = d.time()
		case 3:
			var t time.Time
			t, ok = d.time()
			p.EndedAt = &t
		case 4:
			var ms float64
			ms, ok = d.nonNegative()
			p.DurationMS = &ms
		case 5:
			if d.null() {
				return true
			}
			p.Error = &FileError{}
			ok = d.fileError(p.Error, true)
		}
		return ok
	})
	return ok && has(seen, 0, 1, 2)
}

// fastArray reads a JSON array whose items item reads; capHint sizes it.
func fastArray[T any](d *fastDecoder, capHint int, item func(*T) bool) ([]T, bool) {
	if !d.eat('[') {
		return nil, false
	}
	out := make([]T, 0, capHint)
	if d.eat(']') {
		return out, true
	}
	for {
		var zero T
		out = append(out, zero)
		if !item(&out[len(out)-1]) {
			return nil, false
		}
		if d.eat(',') {
			continue
		}
		return out, d.eat(']')
	}
}

func (d *fastDecoder) event(e *Event) bool {
	seen, ok := d.object(eventKeys, func(k int) bool {
		var ok bool
		switch k {
		case 0:
			e.Seq, ok = d.int()
			return ok && e.Seq >= 0
		case 1:
			e.Type, ok = d.str()
		case 2:
			e.Time, ok = d.time()
		case 3:
			e.OffsetMS, ok = d.nonNegative()
		case 4:
			e.Role, ok = d.str()
		case 5:
			e.Round, ok = d.int()
		case 6:
			e.Method, ok = d.str()
		case 7:
			e.Endpoint, ok = d.str()
		case 8:
			e.SpanID, ok = d.str()
		case 9:
			var ms float64
			ms, ok = d.nonNegative()
			e.DurationMS = &ms
		case 10:
			e.Error, ok = d.eventError()
		case 11:
			e.Context = &ErrorContext{}
			ok = d.context(e.Context)
		case 12:
			e.Snapshot, ok = d.snapshot()
		case 13:
			var phase string
			phase, ok = d.str()
			e.Phase = escrow.Phase(phase)
		}
		return ok
	})
	return ok && has(seen, 0, 1, 2, 3)
}

func (d *fastDecoder) eventError() (*EventError, bool) {
	v := &struct {
		e    EventError
		code int
	}{}
	seen, ok := d.object(eventErrKeys, func(k int) bool {
		var ok bool
		switch k {
		case 0:
			v.code, ok = d.int()
			v.e.Code = &v.code
		case 1:
			v.e.Message, ok = d.str()
		case 2:
			var kind string
			kind, ok = d.str()
			v.e.Kind = escrow.Kind(kind)
		}
		return ok
	})
	return &v.e, ok && has(seen, 1)
}

func (d *fastDecoder) context(c *ErrorContext) bool {
	_, ok := d.object(contextKeys, func(k int) bool {
		var ok bool
		switch k {
		case 0:
			c.Round, ok = d.int()
		case 1:
			c.Operation, ok = d.str()
		case 2:
			c.WalletID, ok = d.str()
		case 3:
			c.EscrowID, ok = d.str()
		case 4:
			var phase string
			phase, ok = d.str()
			c.Phase = escrow.Phase(phase)
		case 5:
			c.Role, ok = d.str()
		}
		return ok
	})
	return ok
}

func (d *fastDecoder) snapshot() (*Snapshot, bool) {
	// One allocation for the snapshot and the values it points to.
	v := &struct {
		s                         Snapshot
		ready, importNeeded       bool
		threshold, total          int
		balance, unlocked, height uint64
	}{}
	s := &v.s
	seen, ok := d.object(snapshotKeys, func(k int) bool {
		var ok bool
		switch k {
		case 0:
			s.WalletID, ok = d.str()
		case 1:
			s.IsMultisig, ok = d.bool()
		case 2:
			v.ready, ok = d.bool()
			s.Ready = &v.ready
		case 3:
			v.threshold, ok = d.int()
			s.Threshold = &v.threshold
		case 4:
			v.total, ok = d.int()
			s.Total = &v.total
		case 5:
			v.balance, ok = d.uint()
			s.Balance = &v.balance
		case 6:
			v.unlocked, ok = d.uint()
			s.UnlockedBalance = &v.unlocked
		case 7:
			s.AddressHash, ok = d.str()
		case 8:
			s.WalletFileMode, ok = d.str()
		case 9:
			v.importNeeded, ok = d.bool()
			s.MultisigImportNeeded = &v.importNeeded
		case 10:
			v.height, ok = d.uint()
			s.Height = &v.height
		case 11:
			s.Error, ok = d.str()
		}
		return ok
	})
	return s, ok && has(seen, 1)
}
