package multisig

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"
)

// TestRunAll: every item runs; the first error is returned and cancels the
// others; a panic becomes its item's error through onPanic.
func TestRunAll(t *testing.T) {
	onPanic := func(s string, p any) error { return fmt.Errorf("%s: panic: %v", s, p) }
	tests := []struct {
		name string
		f    func(ctx context.Context, s string) error
		want string
	}{
		{"all succeed", func(context.Context, string) error { return nil }, ""},
		{"one fails, the others see the cancel", func(ctx context.Context, s string) error {
			if s == "vendor" {
				return errors.New("vendor failed")
			}
			<-ctx.Done()
			return ctx.Err()
		}, "vendor failed"},
		{"a panic is the item's error", func(ctx context.Context, s string) error {
			if s == "arbiter" {
				panic("boom")
			}
			<-ctx.Done()
			return nil
		}, "arbiter: panic: boom"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := runAll(context.Background(), []string{"buyer", "vendor", "arbiter"}, tt.f, onPanic)
			if (tt.want == "") != (err == nil) || (err != nil && !strings.Contains(err.Error(), tt.want)) {
				t.Fatalf("runAll = %v, want %q", err, tt.want)
			}
		})
	}
}
