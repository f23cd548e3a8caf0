package moneroaddr_test

import (
	"errors"
	"testing"

	"github.com/escrowd/escrowd/pkg/moneroaddr"
)

// FuzzParse: any text is parsed or refused with ErrInvalid, never a panic;
// what parses re-encodes to the same text and validates on its own network
// only.
func FuzzParse(f *testing.F) {
	for _, s := range []string{mainStd, mainSub, mainInt, testStd, testInt, stageSub, donation, "", "11", "zzzzzzzzzzz", mainStd[:94]} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		a, err := moneroaddr.Parse(s)
		if err != nil {
			if !errors.Is(err, moneroaddr.ErrInvalid) {
				t.Fatalf("Parse error %v does not wrap ErrInvalid", err)
			}
			return
		}
		if got := a.String(); got != s {
			t.Fatalf("Parse(%q).String() = %q", s, got)
		}
		for _, n := range moneroaddr.Networks {
			err := moneroaddr.Validate(s, n)
			if (n == a.Network) != (err == nil) {
				t.Fatalf("Validate(%q, %s) = %v for a %s address", s, n, err, a.Network)
			}
		}
	})
}

// FuzzBase58: bytes survive an encode/decode round trip.
func FuzzBase58(f *testing.F) {
	f.Add([]byte{})
	f.Add([]byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0})
	f.Fuzz(func(t *testing.T, data []byte) {
		s := moneroaddr.EncodeForTest(data)
		got, err := moneroaddr.DecodeForTest(s)
		if err != nil || string(got) != string(data) {
			t.Fatalf("round trip of %x: %x, %v", data, got, err)
		}
	})
}
