// Package moneroaddr parses and validates Monero addresses: standard,
// subaddress and integrated, on mainnet, testnet and stagenet.
//
// An address is Monero's base58 (8-byte blocks each written as 11
// characters, a shorter last block as fewer) of: the network and kind as a
// varint prefix, the public spend key and the public view key (32 bytes
// each), the payment ID (8 bytes, integrated addresses only), and the first
// four bytes of the Keccak-256 of all that as a checksum.
//
// Parse(s) tells an address's network and kind; Validate(s, n) accepts an
// address of network n only and, for one of another network, says which
// network it belongs to. Errors never quote the address (payee addresses are
// kept out of logs).
//
// Regtest (monerod --regtest, "fakechain") has no addresses of its own: its
// wallets use Mainnet's prefixes, so a regtest deployment validates with
// Mainnet. Keys are checked for length only, not for being points on the
// curve: the checksum catches typing and truncation, the wallet refuses a
// payment to a key that is not a point.
package moneroaddr
