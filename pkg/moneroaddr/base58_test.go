package moneroaddr

import (
	"bytes"
	"encoding/hex"
	"errors"
	"math/rand/v2"
	"testing"
)

// TestBase58Vectors: known encodings (computed with arbitrary-precision
// integers, block by block), both ways.
func TestBase58Vectors(t *testing.T) {
	tests := []struct{ hex, text string }{
		{"", ""},
		{"00", "11"},
		{"ff", "5Q"},
		{"0000", "111"},
		{"ffffffffffffffff", "jpXCZedGfVQ"},
		{"0102030405060708090a", "1An6UebxCZd1gu"},
		{"06156013762346bfa6", "2222221zGiJ3s"},
	}
	for _, tt := range tests {
		data, _ := hex.DecodeString(tt.hex)
		if got := encode(data); got != tt.text {
			t.Errorf("encode(%s) = %q, want %q", tt.hex, got, tt.text)
		}
		got, err := decode(tt.text)
		if err != nil || !bytes.Equal(got, data) {
			t.Errorf("decode(%q) = %x, %v; want %s", tt.text, got, err, tt.hex)
		}
	}
}

// TestBase58RoundTrip: every length up to four blocks, random data.
func TestBase58RoundTrip(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for n := 0; n <= 4*fullBlockBytes; n++ {
		for range 20 {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(r.UintN(256))
			}
			s := encode(data)
			if want := n/8*11 + encodedSize[n%8]; len(s) != want {
				t.Fatalf("encode of %d bytes: %d characters, want %d", n, len(s), want)
			}
			got, err := decode(s)
			if err != nil || !bytes.Equal(got, data) {
				t.Fatalf("round trip of %x: %x, %v", data, got, err)
			}
		}
	}
}

func TestBase58Refusals(t *testing.T) {
	tests := []struct {
		name, text string
		want       error
	}{
		{"zero digit", "10", errBadChar},
		{"capital O", "1O", errBadChar},
		{"capital I", "I1", errBadChar},
		{"small l", "1l", errBadChar},
		{"space", "1 ", errBadChar},
		{"non-ASCII", "1\xc3", errBadChar},
		{"one character", "1", errBadLength},
		{"four characters", "1111", errBadLength},
		{"a block and one", "111111111111", errBadLength},
		{"full block above 2^64", "zzzzzzzzzzz", errOverflow},
		{"full block just above 2^64", "jpXCZedGfVR", errOverflow},
		{"one-byte block above 255", "5R", errOverflow},
		{"two-byte block above 65535", "zzz", errOverflow},
	}
	for _, tt := range tests {
		if _, err := decode(tt.text); !errors.Is(err, tt.want) {
			t.Errorf("%s: decode(%q) = %v, want %v", tt.name, tt.text, err, tt.want)
		}
	}
}
