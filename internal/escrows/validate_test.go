package escrows_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/internal/escrows"
)

func TestParseAmount(t *testing.T) {
	tests := []struct {
		lit     string
		want    uint64
		wantErr string
	}{
		{"1", 1, ""},
		{"1000000000000", 1e12, ""},
		{"18446744073709551615", math.MaxUint64, ""},
		{"18446744073709551616", 0, "exceeds Monero's money supply"},
		{"99999999999999999999999", 0, "exceeds Monero's money supply"},
		{"0", 0, "at least 1"},
		{"-1", 0, "negative"},
		{"-0", 0, "negative"},
		{"1.5", 0, "without fraction or exponent"},
		{"1.0", 0, "without fraction or exponent"},
		{"1e3", 0, "without fraction or exponent"},
		{"1E3", 0, "without fraction or exponent"},
		{"", 0, "missing"},
		{"0x10", 0, "JSON number"},
		{"12a", 0, "JSON number"},
	}
	for _, tt := range tests {
		t.Run(tt.lit, func(t *testing.T) {
			got, err := escrows.ParseAmount(tt.lit)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseAmount(%q) = %d, %v; want %d", tt.lit, got, err, tt.want)
				}
				return
			}
			var ve *escrows.ValidationError
			if !errors.As(err, &ve) || ve.Field != "amount" || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseAmount(%q) error = %v, want a ValidationError on amount containing %q", tt.lit, err, tt.wantErr)
			}
		})
	}
}

func TestRequestValidate(t *testing.T) {
	long := strings.Repeat("a", 65)
	tests := []struct {
		name      string
		req       escrows.Request
		wantField string
	}{
		{"ok", escrows.Request{BuyerID: "buyer_1", VendorID: "Vendor-2", Amount: 1}, ""},
		{"64 bytes ok", escrows.Request{BuyerID: long[:64], VendorID: "v", Amount: 1}, ""},
		{"empty buyer", escrows.Request{VendorID: "v", Amount: 1}, "buyer_id"},
		{"long buyer", escrows.Request{BuyerID: long, VendorID: "v", Amount: 1}, "buyer_id"},
		{"slash in vendor", escrows.Request{BuyerID: "b", VendorID: "../v", Amount: 1}, "vendor_id"},
		{"space in vendor", escrows.Request{BuyerID: "b", VendorID: "a b", Amount: 1}, "vendor_id"},
		{"unicode in buyer", escrows.Request{BuyerID: "bü", VendorID: "v", Amount: 1}, "buyer_id"},
		{"zero amount", escrows.Request{BuyerID: "b", VendorID: "v"}, "amount"},
		{"buyer is the vendor", escrows.Request{BuyerID: "same_1", VendorID: "same_1", Amount: 1}, "vendor_id"},
		{"ids differ only in case", escrows.Request{BuyerID: "alice", VendorID: "Alice", Amount: 1}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.req.Validate()
			if tt.wantField == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			var ve *escrows.ValidationError
			if !errors.As(err, &ve) || ve.Field != tt.wantField {
				t.Fatalf("Validate() = %v, want a ValidationError on %s", err, tt.wantField)
			}
		})
	}
}
