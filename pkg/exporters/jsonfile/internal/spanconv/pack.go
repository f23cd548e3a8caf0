package spanconv

import (
	"encoding/binary"
	"math"
	"strings"

	"go.opentelemetry.io/otel/attribute"
)

// packedAttrs holds attributes compactly while a span waits in the exporter:
// an attribute.KeyValue takes 64 bytes whatever it holds, a packed one its
// key and value bytes and a few more. Attributes whose values are all bool,
// int64, float64 or string (escrowd's) are packed into one string; keys and
// string values are read back as substrings of it, without copying. It
// starts with the number of attributes. Any
// other value type keeps the span's slice as it is (loose).
//
// Values of attributes named as secrets are replaced by Redacted when
// packing, so the exporter does not hold them.
type packedAttrs struct {
	packed string
	loose  []attribute.KeyValue
}

// Tags of packed values.
const (
	tagFalse byte = iota
	tagTrue
	tagInt
	tagFloat
	tagString
)

// pack packs kvs into a string of exactly their packed size.
func pack(kvs []attribute.KeyValue) packedAttrs {
	if len(kvs) == 0 {
		return packedAttrs{}
	}
	size := 0
	var secrets uint64 // bit i: kvs[i] is a secret, for the first 64
	for i, kv := range kvs {
		size += uvarintLen(uint64(len(kv.Key))) + len(kv.Key)
		if Secret(string(kv.Key)) {
			if i < 64 {
				secrets |= 1 << i
			}
			size += stringSize(Redacted)
			continue
		}
		switch v := kv.Value; v.Type() {
		case attribute.BOOL:
			size++
		case attribute.INT64:
			size += 1 + uvarintLen(zigzag(v.AsInt64()))
		case attribute.FLOAT64:
			size += 1 + 8
		case attribute.STRING:
			size += stringSize(v.AsString())
		default:
			return packedAttrs{loose: tight(kvs)}
		}
	}
	size += uvarintLen(uint64(len(kvs)))
	var b strings.Builder
	b.Grow(size)
	var num [binary.MaxVarintLen64]byte
	b.Write(binary.AppendUvarint(num[:0], uint64(len(kvs)))) // the map's size hint
	for i, kv := range kvs {
		b.Write(binary.AppendUvarint(num[:0], uint64(len(kv.Key))))
		b.WriteString(string(kv.Key))
		if i < 64 && secrets&(1<<i) != 0 || i >= 64 && Secret(string(kv.Key)) {
			writeString(&b, Redacted)
			continue
		}
		switch v := kv.Value; v.Type() {
		case attribute.BOOL:
			if v.AsBool() {
				b.WriteByte(tagTrue)
			} else {
				b.WriteByte(tagFalse)
			}
		case attribute.INT64:
			b.WriteByte(tagInt)
			b.Write(binary.AppendUvarint(num[:0], zigzag(v.AsInt64())))
		case attribute.FLOAT64:
			b.WriteByte(tagFloat)
			b.Write(binary.LittleEndian.AppendUint64(num[:0], math.Float64bits(v.AsFloat64())))
		case attribute.STRING:
			writeString(&b, v.AsString())
		}
	}
	return packedAttrs{packed: b.String()}
}

func stringSize(s string) int { return 1 + uvarintLen(uint64(len(s))) + len(s) }

func writeString(b *strings.Builder, s string) {
	var num [binary.MaxVarintLen64]byte
	b.WriteByte(tagString)
	b.Write(binary.AppendUvarint(num[:0], uint64(len(s))))
	b.WriteString(s)
}

func uvarintLen(x uint64) int {
	n := 1
	for x >= 0x80 {
		x >>= 7
		n++
	}
	return n
}

// zigzag encodes a signed integer as binary.AppendVarint does.
func zigzag(n int64) uint64 { return uint64(n<<1) ^ uint64(n>>63) }

// toMap is the map escrowtrace.Span holds, as attributes(kvs) makes it; nil
// for none.
func (p packedAttrs) toMap() map[string]any {
	if p.loose != nil {
		return attributes(p.loose)
	}
	if p.packed == "" {
		return nil
	}
	n, w := uvarint(p.packed)
	m := make(map[string]any, n)
	for s := p.packed[w:]; s != ""; {
		var key string
		key, s = readString(s)
		tag := s[0]
		s = s[1:]
		switch tag {
		case tagFalse, tagTrue:
			m[key] = tag == tagTrue
		case tagInt:
			x, w := uvarint(s)
			m[key], s = unzigzag(x), s[w:]
		case tagFloat:
			m[key], s = math.Float64frombits(uint64le(s)), s[8:]
		case tagString:
			m[key], s = readString(s)
		}
	}
	return m
}

// readString reads a length-prefixed string from the front of s.
func readString(s string) (string, string) {
	n, w := uvarint(s)
	end := w + int(n)
	return s[w:end], s[end:]
}

func uvarint(s string) (uint64, int) {
	var x uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x80 {
			return x | uint64(c)<<(7*i), i + 1
		}
		x |= uint64(c&0x7f) << (7 * i)
	}
	return x, len(s)
}

// hasString reports whether the attributes hold key with a string value (the
// last one, where a key repeats, as in the map).
func (p packedAttrs) hasString(key string) bool {
	found := false
	if p.loose != nil {
		for _, kv := range p.loose {
			if string(kv.Key) == key {
				found = kv.Value.Type() == attribute.STRING
			}
		}
		return found
	}
	_, w := uvarint(p.packed)
	for s := p.packed[w:]; s != ""; {
		var k string
		k, s = readString(s)
		tag := s[0]
		if k == key {
			found = tag == tagString
		}
		s = s[1:]
		switch tag {
		case tagInt:
			_, w := uvarint(s)
			s = s[w:]
		case tagFloat:
			s = s[8:]
		case tagString:
			_, s = readString(s)
		}
	}
	return found
}

// unzigzag undoes zigzag.
func unzigzag(x uint64) int64 {
	n := int64(x >> 1)
	if x&1 != 0 {
		n = ^n
	}
	return n
}

func uint64le(s string) uint64 {
	_ = s[7]
	return uint64(s[0]) | uint64(s[1])<<8 | uint64(s[2])<<16 | uint64(s[3])<<24 |
		uint64(s[4])<<32 | uint64(s[5])<<40 | uint64(s[6])<<48 | uint64(s[7])<<56
}
