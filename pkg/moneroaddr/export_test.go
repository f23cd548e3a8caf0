package moneroaddr

import "encoding/binary"

// ForgeForTest encodes prefix and body with a valid checksum: bytes that
// pass the checksum but are not an address (a is unused; it keeps the
// helper's signature explicit about what it imitates).
func ForgeForTest(prefix uint64, body []byte, _ Address) string {
	data := binary.AppendUvarint(nil, prefix)
	data = append(data, body...)
	return encode(append(data, checksum(data)...))
}

// EncodeForTest and DecodeForTest expose the base58 layer to the fuzz tests.
func EncodeForTest(data []byte) string       { return encode(data) }
func DecodeForTest(s string) ([]byte, error) { return decode(s) }
