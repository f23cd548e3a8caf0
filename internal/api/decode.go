package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"

	"github.com/escrowd/escrowd/internal/escrows"
	"github.com/escrowd/escrowd/pkg/escrow"
)

// The fields of POST /api/escrow/init: the IDs and the amount are
// required, the payee addresses optional (set later through
// POST /api/escrow/:id/addresses).
const (
	fieldBuyerID       = "buyer_id"
	fieldVendorID      = "vendor_id"
	fieldAmount        = "amount"
	fieldBuyerAddress  = "buyer_address"
	fieldVendorAddress = "vendor_address"
	fieldWinner        = "winner"
)

var (
	initFields      = []string{fieldBuyerID, fieldVendorID, fieldAmount, fieldBuyerAddress, fieldVendorAddress}
	initRequired    = []string{fieldBuyerID, fieldVendorID, fieldAmount}
	addressFields   = []string{fieldBuyerAddress, fieldVendorAddress}
	resolveFields   = []string{fieldWinner}
	initBodyHint    = `{"buyer_id": "...", "vendor_id": "...", "amount": <atomic units>, "buyer_address": "...", "vendor_address": "..."}`
	addressesHint   = `{"buyer_address": "...", "vendor_address": "..."}`
	resolveBodyHint = `{"winner": "buyer"} or {"winner": "vendor"}`
)

// jsonSpace is JSON's whitespace (RFC 8259): no other byte makes a body empty.
const jsonSpace = " \t\r\n"

// decodeObject reads a body that must be one JSON object with only the
// given fields, each at most once, and the required ones present. It walks
// the object's tokens itself instead of unmarshalling into a struct,
// because encoding/json matches names case-insensitively, keeps the last of
// duplicate keys and accepts a quoted number for json.Number: each would
// let a request through that does not say exactly what it means. hint
// shows the expected body; an empty body is refused with it unless
// emptyOK.
func decodeObject(body []byte, allowed, required []string, hint string, emptyOK bool) (map[string]json.RawMessage, error) {
	fields := map[string]json.RawMessage{}
	if len(bytes.Trim(body, jsonSpace)) == 0 {
		if emptyOK {
			return fields, nil
		}
		return nil, errors.New("request body is empty: send a JSON object " + hint)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return nil, malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return nil, errors.New("request body must be a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return nil, malformed(err)
		}
		key, _ := tok.(string) // inside an object the decoder yields only string keys
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return nil, malformed(err)
		}
		if !slices.Contains(allowed, key) {
			if len(allowed) == 0 {
				return nil, fmt.Errorf("unknown field %.80q: this request takes no fields (send no body, or {})", key)
			}
			return nil, fmt.Errorf("unknown field %.80q: the fields are %s", key, strings.Join(allowed, ", "))
		}
		if _, dup := fields[key]; dup {
			return nil, fmt.Errorf("field %q appears twice", key)
		}
		fields[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return nil, malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return nil, malformed(err)
		}
		return nil, errors.New("request body must hold one JSON object and nothing after it")
	}
	var missing []string
	for _, f := range required {
		if _, ok := fields[f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("missing field(s): %s", strings.Join(missing, ", "))
	}
	return fields, nil
}

// decodeInit reads the body of POST /api/escrow/init strictly (decodeObject).
func decodeInit(body []byte) (escrows.Request, error) {
	var req escrows.Request
	fields, err := decodeObject(body, initFields, initRequired, initBodyHint, false)
	if err != nil {
		return req, err
	}
	if req.BuyerID, err = decodeString(fieldBuyerID, fields[fieldBuyerID]); err != nil {
		return req, err
	}
	if req.VendorID, err = decodeString(fieldVendorID, fields[fieldVendorID]); err != nil {
		return req, err
	}
	amount := fields[fieldAmount]
	switch amount[0] {
	case '"':
		return req, &escrows.ValidationError{Field: fieldAmount, Reason: "must be a JSON number, not a string"}
	case '-', '0', '1', '2', '3', '4', '5', '6', '7', '8', '9':
	default:
		return req, &escrows.ValidationError{Field: fieldAmount, Reason: "must be a JSON number (an integer count of atomic units)"}
	}
	if req.Amount, err = escrows.ParseAmount(string(amount)); err != nil {
		return req, err
	}
	if req.BuyerAddress, req.VendorAddress, err = decodeAddresses(fields); err != nil {
		return req, err
	}
	return req, req.Validate()
}

// decodeAddresses reads the optional payee addresses; one given is a
// non-empty string.
func decodeAddresses(fields map[string]json.RawMessage) (buyer, vendor string, err error) {
	for _, f := range []struct {
		name string
		dst  *string
	}{{fieldBuyerAddress, &buyer}, {fieldVendorAddress, &vendor}} {
		raw, ok := fields[f.name]
		if !ok {
			continue
		}
		if *f.dst, err = decodeString(f.name, raw); err != nil {
			return "", "", err
		}
		if *f.dst == "" {
			return "", "", &escrows.ValidationError{Field: f.name, Reason: "must not be empty (leave the field out to set it later)"}
		}
	}
	return buyer, vendor, nil
}

// decodeSetAddresses reads the body of POST /api/escrow/:id/addresses.
func decodeSetAddresses(body []byte) (buyer, vendor string, err error) {
	fields, err := decodeObject(body, addressFields, nil, addressesHint, false)
	if err != nil {
		return "", "", err
	}
	if len(fields) == 0 {
		return "", "", errors.New("no address given: send " + addressesHint)
	}
	if buyer, vendor, err = decodeAddresses(fields); err != nil {
		return "", "", err
	}
	return buyer, vendor, escrows.CheckAddressPair(buyer, vendor)
}

// decodeResolve reads the body of POST /api/escrow/:id/resolve: the
// dispute's winner, "buyer" or "vendor".
func decodeResolve(body []byte) (escrow.Role, error) {
	fields, err := decodeObject(body, resolveFields, resolveFields, resolveBodyHint, false)
	if err != nil {
		return "", err
	}
	w, err := decodeString(fieldWinner, fields[fieldWinner])
	if err != nil {
		return "", err
	}
	if w != string(escrow.Buyer) && w != string(escrow.Vendor) {
		return "", &escrows.ValidationError{Field: fieldWinner, Reason: fmt.Sprintf(`%.40q: a dispute is won by "buyer" or "vendor"`, w)}
	}
	return escrow.Role(w), nil
}

// decodeEmpty reads the body of a request that takes no fields (fund,
// release, refund): nothing, or {}.
func decodeEmpty(body []byte) error {
	_, err := decodeObject(body, nil, nil, "", true)
	return err
}

func decodeString(field string, raw json.RawMessage) (string, error) {
	var s string
	if raw[0] != '"' || json.Unmarshal(raw, &s) != nil {
		return "", &escrows.ValidationError{Field: field, Reason: "must be a JSON string"}
	}
	return s, nil
}

func malformed(err error) error {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return fmt.Errorf("malformed JSON at byte %d: %v", se.Offset, se)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return errors.New("malformed JSON: the body ends before the object does")
	}
	return fmt.Errorf("malformed JSON: %v", err)
}
