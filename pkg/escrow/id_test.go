package escrow

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"strings"
	"testing"
)

func TestValidIDAndFileName(t *testing.T) {
	tests := []struct {
		id   string
		want bool
	}{
		{"a", true},
		{"escrow-42_B", true},
		{"0b0e7c2e-3f7a-4c1e-9d6a-2a4f1c9e8b11", true},
		{strings.Repeat("x", 64), true},
		{strings.Repeat("x", 65), false},
		{"", false},
		{"../x", false},
		{"a/b", false},
		{"a.b", false},
		{"a b", false},
		{"é", false},
		{"a\x00", false},
	}
	for _, tt := range tests {
		if got := ValidID(tt.id); got != tt.want {
			t.Errorf("ValidID(%q) = %v, want %v", tt.id, got, tt.want)
		}
		err := CheckID(tt.id)
		if (err == nil) != tt.want || (err != nil && !errors.Is(err, ErrInvalidID)) {
			t.Errorf("CheckID(%q) = %v", tt.id, err)
		}
		name, err := FileName(tt.id)
		if tt.want && (err != nil || name != "escrow_"+tt.id+".json") {
			t.Errorf("FileName(%q) = %q, %v", tt.id, name, err)
		}
		if !tt.want && (err == nil || name != "") {
			t.Errorf("FileName(%q) = %q, %v; want an error", tt.id, name, err)
		}
	}
}

func TestCheckIDSaysWhy(t *testing.T) {
	tests := []struct{ id, want string }{
		{"", "must not be empty"},
		{strings.Repeat("x", 65), "65 bytes long, at most 64"},
		{"a/b", "may contain only letters"},
	}
	for _, tt := range tests {
		if err := CheckID(tt.id); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("CheckID(%q) = %v, want it to say %q", tt.id, err, tt.want)
		}
	}
}

func TestTraceIDFor(t *testing.T) {
	tests := []struct {
		id      string
		want    string
		wantErr string
	}{
		{id: "0B0E7C2E-3F7A-4C1E-9D6A-2A4F1C9E8B11", want: "0b0e7c2e3f7a4c1e9d6a2a4f1c9e8b11"},
		{id: "0123456789ABCDEF0123456789abcdef", want: "0123456789abcdef0123456789abcdef"},
		// SHA-256("abc") = ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad
		{id: "abc", want: "ba7816bf8f01cfea414140de5dae2223"},
		{id: "0b0e7c2e3-f7a-4c1e-9d6a-2a4f1c9e8b11", want: sha16("0b0e7c2e3-f7a-4c1e-9d6a-2a4f1c9e8b11")},
		{id: "00000000-0000-0000-0000-000000000000", wantErr: "all-zero"},
		{id: "../x", wantErr: "not a valid escrow id"},
		{id: "", wantErr: "not a valid escrow id"},
	}
	for _, tt := range tests {
		got, err := TraceIDFor(tt.id)
		if tt.wantErr != "" {
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Errorf("TraceIDFor(%q) = %q, %v; want error %q", tt.id, got, err, tt.wantErr)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("TraceIDFor(%q) = %q, %v; want %q", tt.id, got, err, tt.want)
		}
	}
}

func TestHashes(t *testing.T) {
	// SHA-256("abc"), first 8 bytes.
	if got := HashAddress("abc"); got != "ba7816bf8f01cfea" {
		t.Errorf("HashAddress = %q", got)
	}
	if got := HashTxID("abc"); got != "ba7816bf8f01cfea" {
		t.Errorf("HashTxID = %q", got)
	}
	if HashAddress("a") == HashAddress("b") {
		t.Error("different addresses hash alike")
	}
}

func sha16(s string) string {
	sum := sha256.Sum256([]byte(s))
	return hex.EncodeToString(sum[:16])
}
