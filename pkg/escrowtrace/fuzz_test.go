package escrowtrace

import (
	"bytes"
	"encoding/json"
	"testing"
)

// The seed corpus is in testdata/fuzz/<FuzzName>: a built file, a file with
// unknown fields, an OTLP section with every value kind, and broken variants.

func FuzzDecode(f *testing.F) {
	f.Add([]byte(withEvents(goodEvent)))
	f.Fuzz(func(t *testing.T, data []byte) {
		file, err := Decode(bytes.NewReader(data))
		if err != nil {
			return
		}
		// Whatever decodes must encode, and decode again to the same bytes.
		out, err := json.Marshal(file)
		if err != nil {
			return // e.g. a time json cannot write; not a reader's concern
		}
		again, err := Decode(bytes.NewReader(out))
		if err != nil {
			t.Fatalf("re-decoding %s: %v", out, err)
		}
		out2, err := json.Marshal(again)
		if err != nil || !bytes.Equal(out, out2) {
			t.Fatalf("unstable round trip:\n%s\n%s (%v)", out, out2, err)
		}
	})
}

func FuzzParseOTLP(f *testing.F) {
	if data, err := EncodeOTLP(fullSpans()); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		spans, err := ParseOTLP(data)
		if err != nil {
			return
		}
		// Parsed spans feed Build without panicking, and encode again.
		_, _ = Build(spans, BuildOptions{})
		if _, err := EncodeOTLP(spans); err != nil {
			t.Fatalf("parsed spans do not encode: %v", err)
		}
	})
}
