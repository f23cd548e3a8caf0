package spanconv

import "strings"

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
// segments (split at '.', '_', '-') is a secret word, or it names kex data
// (multisig_info, multisig info exchanged between wallets).
func Secret(key string) bool {
	lower := strings.ToLower(key)
	if strings.Contains(lower, "multisig_info") || strings.Contains(lower, "multisiginfo") {
		return true
	}
	for _, seg := range strings.FieldsFunc(lower, func(r rune) bool { return r == '.' || r == '_' || r == '-' }) {
		if secretWords[seg] {
			return true
		}
	}
	return false
}
