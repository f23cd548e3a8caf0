package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/escrowd/escrowd/internal/escrows"
)

// The fields of POST /api/escrow/init, all required.
const (
	fieldBuyerID  = "buyer_id"
	fieldVendorID = "vendor_id"
	fieldAmount   = "amount"
)

var initFields = []string{fieldBuyerID, fieldVendorID, fieldAmount}

// decodeInit reads the body of POST /api/escrow/init strictly. It walks the
// object's tokens itself instead of unmarshalling into a struct, because
// encoding/json matches names case-insensitively, keeps the last of duplicate
// keys and accepts a quoted number for json.Number: each would let a request
// through that does not say exactly what it means.
func decodeInit(body []byte) (escrows.Request, error) {
	var req escrows.Request
	if len(bytes.TrimSpace(body)) == 0 {
		return req, errors.New(`request body is empty: send a JSON object {"buyer_id": "...", "vendor_id": "...", "amount": <atomic units>}`)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	tok, err := dec.Token()
	if err != nil {
		return req, malformed(err)
	}
	if d, ok := tok.(json.Delim); !ok || d != '{' {
		return req, errors.New("request body must be a JSON object")
	}
	fields := map[string]json.RawMessage{}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return req, malformed(err)
		}
		key, _ := tok.(string) // inside an object the decoder yields only string keys
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return req, malformed(err)
		}
		if !known(key) {
			return req, fmt.Errorf("unknown field %.80q: the fields are %s", key, strings.Join(initFields, ", "))
		}
		if _, dup := fields[key]; dup {
			return req, fmt.Errorf("field %q appears twice", key)
		}
		fields[key] = raw
	}
	if _, err := dec.Token(); err != nil { // the closing '}'
		return req, malformed(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		if err != nil {
			return req, malformed(err)
		}
		return req, errors.New("request body must hold one JSON object and nothing after it")
	}

	var missing []string
	for _, f := range initFields {
		if _, ok := fields[f]; !ok {
			missing = append(missing, f)
		}
	}
	if len(missing) > 0 {
		return req, fmt.Errorf("missing field(s): %s", strings.Join(missing, ", "))
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
	return req, req.Validate()
}

func known(key string) bool {
	for _, f := range initFields {
		if f == key {
			return true
		}
	}
	return false
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
