package secretscan

import "encoding/json"

// Fields maps a JSON object key to the kind of secret the strings under it
// are, e.g. {"password": "wallet password (wire)"}.
type Fields map[string]string

// AddFields adds every string found under one of the keys of fields, at any
// depth of v, a string or a list of strings alike. v is any value
// encoding/json marshals (typed params and results, anonymous structs,
// maps): it goes through JSON as it does on the wire. A v that does not
// marshal adds nothing.
func (s *Set) AddFields(v any, fields Fields) {
	if v == nil {
		return
	}
	body, err := json.Marshal(v)
	if err != nil {
		return
	}
	s.AddBody(body, fields)
}

// AddBody is AddFields for a JSON document as sent or received (a wallet RPC
// request or response body). A body that is not JSON adds nothing: a proxy
// records error pages too.
func (s *Set) AddBody(body []byte, fields Fields) {
	var tree any
	if json.Unmarshal(body, &tree) != nil {
		return
	}
	s.walk(fields, "", tree)
}

// walk adds the strings of v found under one of fields' keys; key is the
// object key v stands under (lists pass their key on to their items).
func (s *Set) walk(fields Fields, key string, v any) {
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			s.walk(fields, k, x)
		}
	case []any:
		for _, x := range v {
			s.walk(fields, key, x)
		}
	case string:
		if kind, ok := fields[key]; ok {
			s.Add(kind, v)
		}
	}
}
