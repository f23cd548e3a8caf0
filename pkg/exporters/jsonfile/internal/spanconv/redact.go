package spanconv

import (
	"bytes"
	"strings"
	"unicode/utf8"
)

// Redacted replaces the value of an attribute whose name says it is a secret.
const Redacted = "[REDACTED]"

// secretWords are name segments that mark key material or credentials. The
// file's events copy only whitelisted attributes; the lossless "otlp" section
// copies all of them, so this is its guard against a careless attribute
// (escrowd itself never records such values).
var secretWords = map[string]bool{
	"password": true, "passwd": true, "passphrase": true, "secret": true, "seed": true, "mnemonic": true,
	"key": true, "keys": true, "privkey": true, "spendkey": true, "viewkey": true,
	"credential": true, "credentials": true, "token": true, "authorization": true, "auth": true,
	"cookie": true, "login": true,
}

// Secret reports whether an attribute named key may hold a secret: one of its
// segments (split at '.', '_', '-') is a secret word, it names kex data
// (multisig_info, multisig info exchanged between wallets), or it names what a
// payout must keep out of traces (shared/escrow-trace, "Lifecycle additions"):
// a transaction set or its data, or a transaction hash other than its hash
// (tx_hash_hash is the allowed form).
//
// It runs for every attribute the exporter keeps, so ASCII keys (all of
// escrowd's) are checked without allocating.
func Secret(key string) bool {
	var buf [64]byte
	if len(key) > len(buf) || !isASCII(key) {
		return secretUnicode(key)
	}
	lower := buf[:len(key)]
	for i := range len(key) {
		c := key[i]
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		lower[i] = c
	}
	if bytes.Contains(lower, []byte("multisig_info")) || bytes.Contains(lower, []byte("multisiginfo")) || payoutData(string(lower)) {
		return true
	}
	start := 0
	for i := 0; i <= len(lower); i++ {
		if i == len(lower) || lower[i] == '.' || lower[i] == '_' || lower[i] == '-' {
			if i > start && secretWords[string(lower[start:i])] {
				return true
			}
			start = i + 1
		}
	}
	return false
}

// secretUnicode is Secret for any key: Unicode lower-casing (which can turn
// a non-ASCII letter into an ASCII one), then the same checks.
func secretUnicode(key string) bool {
	lower := strings.ToLower(key)
	if strings.Contains(lower, "multisig_info") || strings.Contains(lower, "multisiginfo") || payoutData(lower) {
		return true
	}
	for _, seg := range strings.FieldsFunc(lower, func(r rune) bool { return r == '.' || r == '_' || r == '-' }) {
		if secretWords[seg] {
			return true
		}
	}
	return false
}

// payoutData reports whether a lower-case key names a payout's transaction
// data (a multisig or unsigned tx set, tx blobs or metadata) or a raw
// transaction hash.
func payoutData(lower string) bool {
	for _, w := range []string{"txset", "tx_set", "tx_data", "tx_blob", "tx_metadata"} {
		if strings.Contains(lower, w) {
			return true
		}
	}
	i := strings.Index(lower, "tx_hash")
	return i >= 0 && !strings.HasPrefix(lower[i:], "tx_hash_hash") || strings.Contains(lower, "txid") || strings.Contains(lower, "tx_id")
}

func isASCII(s string) bool {
	for i := range len(s) {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}
