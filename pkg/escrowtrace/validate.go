package escrowtrace

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/escrowd/escrowd/pkg/escrow"
)

// schemaV1 is a copy of shared/escrow-trace/schema-v1.json, the contract;
// a test keeps the two equal.
//
//go:embed schema/schema-v1.json
var schemaV1 []byte

// schemaURL is where the embedded schema is registered with the compiler;
// nothing is ever fetched from it.
const schemaURL = "https://escrowd.invalid/escrow-trace/schema-v1.json"

// compiledSchema compiles the embedded schema once. It never changes after
// that, so sharing it between goroutines is safe.
var compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaV1))
	if err != nil {
		return nil, fmt.Errorf("read embedded schema: %w", err)
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat() // date-time fields are part of the contract
	if err := c.AddResource(schemaURL, doc); err != nil {
		return nil, fmt.Errorf("add embedded schema: %w", err)
	}
	sch, err := c.Compile(schemaURL)
	if err != nil {
		return nil, fmt.Errorf("compile embedded schema: %w", err)
	}
	return sch, nil
})

// Validate checks data, one escrow_<id>.json, against the v1 JSON schema,
// and the v1 additions that the schema leaves open (checkV1Additions).
func Validate(data []byte) error {
	sch, err := compiledSchema()
	if err != nil {
		return err
	}
	inst, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		return fmt.Errorf("validate escrow trace: %w", err)
	}
	if err := sch.Validate(inst); err != nil {
		return fmt.Errorf("validate escrow trace: %w", err)
	}
	if err := checkV1Additions(data); err != nil {
		return fmt.Errorf("validate escrow trace: %w", err)
	}
	return nil
}

// checkV1Additions checks the additive fields of v1 that the shared schema
// leaves open (it allows any property): the failure kind of an error (the
// file's, a phase's, an event's), which is a few stable words (an
// escrow.Kind: lowercase letters, digits, '_'), and the phase and role of an
// ERROR_FINAL's context, which are a lifecycle phase and a role.
func checkV1Additions(data []byte) error {
	type kinded struct {
		Kind json.RawMessage `json:"kind"`
	}
	var doc struct {
		Error  *kinded `json:"error"`
		Phases []struct {
			Error *kinded `json:"error"`
		} `json:"phases"`
		Events []struct {
			Error   *kinded `json:"error"`
			Context *struct {
				Phase json.RawMessage `json:"phase"`
				Role  json.RawMessage `json:"role"`
			} `json:"context"`
		} `json:"events"`
	}
	if err := json.Unmarshal(data, &doc); err != nil {
		return err
	}
	if doc.Error != nil {
		if err := checkKind(doc.Error.Kind, "/error/kind"); err != nil {
			return err
		}
	}
	for i, p := range doc.Phases {
		if p.Error != nil {
			if err := checkKind(p.Error.Kind, fmt.Sprintf("/phases/%d/error/kind", i)); err != nil {
				return err
			}
		}
	}
	for i, e := range doc.Events {
		if e.Error != nil {
			if err := checkKind(e.Error.Kind, fmt.Sprintf("/events/%d/error/kind", i)); err != nil {
				return err
			}
		}
		if c := e.Context; c != nil {
			if err := checkEnum(c.Phase, fmt.Sprintf("/events/%d/context/phase", i), func(s string) bool { return escrow.Phase(s).Valid() }); err != nil {
				return err
			}
			if err := checkEnum(c.Role, fmt.Sprintf("/events/%d/context/role", i), func(s string) bool { return escrow.Role(s).Valid() }); err != nil {
				return err
			}
		}
	}
	return nil
}

// checkKind: an absent kind, or a string of 1 to 64 of [a-z0-9_].
func checkKind(raw json.RawMessage, path string) error {
	return checkEnum(raw, path, func(s string) bool {
		if len(s) == 0 || len(s) > 64 {
			return false
		}
		for i := 0; i < len(s); i++ {
			if c := s[i]; !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '_') {
				return false
			}
		}
		return true
	})
}

// checkEnum: an absent value, or a string that ok accepts.
func checkEnum(raw json.RawMessage, path string, ok func(string) bool) error {
	if raw == nil {
		return nil
	}
	var s string
	if err := json.Unmarshal(raw, &s); err != nil || !ok(s) {
		return fmt.Errorf("at %s: %s is not allowed here", path, show(raw))
	}
	return nil
}

// SchemaV1 returns the embedded v1 JSON schema.
func SchemaV1() []byte { return bytes.Clone(schemaV1) }
