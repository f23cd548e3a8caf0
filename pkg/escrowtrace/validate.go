package escrowtrace

import (
	"bytes"
	_ "embed"
	"fmt"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
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

// Validate checks data, one escrow_<id>.json, against the v1 JSON schema.
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
	return nil
}

// SchemaV1 returns the embedded v1 JSON schema.
func SchemaV1() []byte { return bytes.Clone(schemaV1) }
