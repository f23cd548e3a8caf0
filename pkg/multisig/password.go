package multisig

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"errors"
)

// MinSecretLen is the minimum length of the master secret.
const MinSecretLen = 32

// WalletPassword derives a wallet's password from the master secret and the
// wallet's file name, so that no wallet password is ever stored:
// HMAC-SHA256(secret, name).
func WalletPassword(secret []byte, wallet string) string {
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("escrowd/wallet-password/v1\x00"))
	m.Write([]byte(wallet))
	return hex.EncodeToString(m.Sum(nil))
}

func checkSecret(secret []byte) error {
	if len(secret) < MinSecretLen {
		return errors.New("master secret must be at least 32 bytes")
	}
	return nil
}
