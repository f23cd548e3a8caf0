package escrowtrace

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"strings"
	"testing"
)

// The embedded schema is a copy of the shared contract; they must not drift.
func TestEmbeddedSchemaMatchesContract(t *testing.T) {
	shared, err := os.ReadFile("../../../shared/escrow-trace/schema-v1.json")
	if errors.Is(err, fs.ErrNotExist) {
		t.Skip("shared/escrow-trace is not beside this checkout")
	}
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(shared, SchemaV1()) {
		t.Error("pkg/escrowtrace/schema/schema-v1.json differs from shared/escrow-trace/schema-v1.json: copy it again")
	}
}

func TestValidate(t *testing.T) {
	tests := []struct {
		name, in, want string // want "" = valid
	}{
		{"minimal", withEvents(goodEvent), ""},
		{"unknown fields allowed", strings.Replace(withEvents(goodEvent), `"outcome"`, `"new":1,"outcome"`, 1), ""},
		{"bad outcome", strings.Replace(withEvents(goodEvent), `"success"`, `"maybe"`, 1), "/outcome"},
		{"bad role", withEvents(`{"seq":0,"type":"X","time":"2025-03-01T12:00:00Z","offset_ms":0,"role":"mallory"}`), "/events/0/role"},
		{"round 4", withEvents(`{"seq":0,"type":"X","time":"2025-03-01T12:00:00Z","offset_ms":0,"round":4}`), "/events/0/round"},
		{"bad date", withEvents(`{"seq":0,"type":"X","time":"2025-13-01T12:00:00Z","offset_ms":0}`), "/events/0/time"},
		{"raw address", withEvents(`{"seq":0,"type":"SNAPSHOT_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"snapshot":{"is_multisig":true,"address_hash":"9wviCeWe2D8XS82k2ovp5EUYLzBt9pYNW2LXUFsZiv8S3Mt21FZ5qQaAroko1enzw3eGr9qC7X1D7Geoo2RrAotYPwq9Gm8"}}`), "/events/0/snapshot/address_hash"},
		{"not json", `{`, "validate escrow trace"},
		{"lifecycle fields", strings.Replace(withEvents(`{"seq":0,"type":"ERROR_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"phase":"release",`+
			`"error":{"message":"m","kind":"stale_data"},"context":{"phase":"release","role":"vendor","operation":"sign_multisig"}},`+
			`{"seq":1,"type":"SNAPSHOT_PRE_SYNC","time":"2025-03-01T12:00:00Z","offset_ms":0,"snapshot":{"is_multisig":true,"multisig_import_needed":true,"height":3}}`),
			`"outcome"`, `"phases":[{"name":"setup","outcome":"success","started_at":"2025-03-01T12:00:00Z"},{"name":"release","outcome":"failed","started_at":"2025-03-01T12:00:00Z","error":{"message":"m","kind":"stale_data"}}],"outcome"`, 1), ""},
		{"bad event phase", withEvents(`{"seq":0,"type":"X","time":"2025-03-01T12:00:00Z","offset_ms":0,"phase":"payout"}`), "/events/0/phase"},
		{"bad phase name", strings.Replace(withEvents(goodEvent), `"outcome"`, `"phases":[{"name":"x","outcome":"success","started_at":"2025-03-01T12:00:00Z"}],"outcome"`, 1), "/phases/0/name"},
		{"negative height", withEvents(`{"seq":0,"type":"SNAPSHOT_FUNDED","time":"2025-03-01T12:00:00Z","offset_ms":0,"snapshot":{"is_multisig":true,"height":-1}}`), "/events/0/snapshot/height"},
		{"kind with a message in it", withEvents(`{"seq":0,"type":"RPC_CALL_ERROR","time":"2025-03-01T12:00:00Z","offset_ms":0,"error":{"message":"m","kind":"Stale data!"}}`), "/events/0/error/kind"},
		{"file error kind", strings.Replace(withEvents(goodEvent), `"error":null`, `"error":{"message":"m","kind":""}`, 1), "/error/kind"},
		{"phase error kind", strings.Replace(withEvents(goodEvent), `"outcome"`, `"phases":[{"name":"fund","outcome":"failed","started_at":"2025-03-01T12:00:00Z","error":{"kind":7}}],"outcome"`, 1), "/phases/0/error/kind"},
		{"context phase", withEvents(`{"seq":0,"type":"ERROR_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"context":{"phase":"payout"}}`), "/events/0/context/phase"},
		{"context role", withEvents(`{"seq":0,"type":"ERROR_FINAL","time":"2025-03-01T12:00:00Z","offset_ms":0,"context":{"role":"judge"}}`), "/events/0/context/role"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Validate([]byte(tt.in))
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate: %v", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate = %v, want an error about %s", err, tt.want)
			}
		})
	}
}
