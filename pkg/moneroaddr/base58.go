package moneroaddr

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math/bits"
)

// alphabet is Bitcoin's base58 alphabet (no 0, O, I, l), which Monero
// shares; the encoding around it is Monero's own.
const alphabet = "123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz"

// Monero's base58 cuts the data into 8-byte blocks and encodes each one on
// its own as a fixed number of characters (11 for a full block), so that
// the text's length follows from the data's. The last block may be shorter:
// encodedSize[n] is the encoded length of an n-byte block.
const (
	fullBlockBytes = 8
	fullBlockChars = 11
)

var encodedSize = [fullBlockBytes + 1]int{0, 2, 3, 5, 6, 7, 9, 10, 11}

// decodedSize maps an encoded block length back to its byte length; -1 for
// a length no block has (1, 4 and 8 characters).
var decodedSize = func() [fullBlockChars + 1]int {
	var d [fullBlockChars + 1]int
	for i := range d {
		d[i] = -1
	}
	for n, c := range encodedSize {
		d[c] = n
	}
	return d
}()

// digit maps a character to its value; -1 for a character outside the alphabet.
var digit = func() [256]int8 {
	var d [256]int8
	for i := range d {
		d[i] = -1
	}
	for i := 0; i < len(alphabet); i++ {
		d[alphabet[i]] = int8(i)
	}
	return d
}()

// Errors of the base58 layer (wrapped with where they happened).
var (
	errBadChar   = errors.New("character outside Monero's base58 alphabet")
	errBadLength = errors.New("length no Monero base58 text has")
	errOverflow  = errors.New("block value too large for its size")
)

// encode is Monero's base58 of data.
func encode(data []byte) string {
	full, rest := len(data)/fullBlockBytes, len(data)%fullBlockBytes
	out := make([]byte, 0, full*fullBlockChars+encodedSize[rest])
	for i := 0; i < full; i++ {
		out = encodeBlock(out, data[i*fullBlockBytes:(i+1)*fullBlockBytes])
	}
	if rest > 0 {
		out = encodeBlock(out, data[full*fullBlockBytes:])
	}
	return string(out)
}

// encodeBlock appends the encoding of one block (1..8 bytes, big-endian),
// left-padded with the alphabet's zero to the block's encoded size.
func encodeBlock(dst, block []byte) []byte {
	var buf [fullBlockBytes]byte
	copy(buf[fullBlockBytes-len(block):], block)
	v := binary.BigEndian.Uint64(buf[:])
	size := encodedSize[len(block)]
	start := len(dst)
	for i := 0; i < size; i++ {
		dst = append(dst, alphabet[0])
	}
	for i := start + size - 1; v > 0; i-- {
		dst[i] = alphabet[v%58]
		v /= 58
	}
	return dst
}

// checkChars reports the first character outside the alphabet, counting
// positions from 1.
func checkChars(s string) error {
	for i := 0; i < len(s); i++ {
		if digit[s[i]] < 0 {
			return fmt.Errorf("%q at position %d: %w", s[i], i+1, errBadChar)
		}
	}
	return nil
}

// decode reverses encode; it refuses characters outside the alphabet, a
// length no encoding has, and a block whose value does not fit its size.
func decode(s string) ([]byte, error) {
	full, rest := len(s)/fullBlockChars, len(s)%fullBlockChars
	restBytes := decodedSize[rest]
	if restBytes < 0 {
		return nil, fmt.Errorf("%d characters: %w", len(s), errBadLength)
	}
	out := make([]byte, 0, full*fullBlockBytes+restBytes)
	var err error
	for i := 0; i < full; i++ {
		if out, err = decodeBlock(out, s[i*fullBlockChars:(i+1)*fullBlockChars], fullBlockBytes, i*fullBlockChars); err != nil {
			return nil, err
		}
	}
	if rest > 0 {
		if out, err = decodeBlock(out, s[full*fullBlockChars:], restBytes, full*fullBlockChars); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// decodeBlock appends the n bytes one encoded block stands for; offset is
// the block's position in the whole text, for the error.
func decodeBlock(dst []byte, block string, n, offset int) ([]byte, error) {
	var v uint64
	for i := 0; i < len(block); i++ {
		d := digit[block[i]]
		if d < 0 {
			return nil, fmt.Errorf("%q at position %d: %w", block[i], offset+i+1, errBadChar)
		}
		hi, lo := bits.Mul64(v, 58)
		var carry uint64
		v, carry = bits.Add64(lo, uint64(d), 0)
		if hi != 0 || carry != 0 {
			return nil, fmt.Errorf("block at position %d: %w", offset+1, errOverflow)
		}
	}
	if n < fullBlockBytes && v>>(8*n) != 0 {
		return nil, fmt.Errorf("block at position %d: %w", offset+1, errOverflow)
	}
	var buf [fullBlockBytes]byte
	binary.BigEndian.PutUint64(buf[:], v)
	return append(dst, buf[fullBlockBytes-n:]...), nil
}
