package main

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"testing"

	"github.com/escrowd/escrowd/analysis"
)

func TestDiagnoser(t *testing.T) {
	if diagnoser("", nil) != nil {
		t.Fatal("a diagnoser without trace files")
	}
	dir := t.TempDir()
	data, err := os.ReadFile("../../analysis/testdata/fixtures/already_multisig_before_round1.json")
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "escrow_race.json"), data, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "escrow_cut.json"), data[:len(data)/2], 0o600); err != nil {
		t.Fatal(err)
	}
	d := diagnoser(dir, slog.New(slog.DiscardHandler))
	tests := []struct{ id, want string }{
		{"race", string(analysis.KindAlreadyMultisigBeforeRound1)},
		{"missing", ""},
		{"cut", ""},
		{"../race", ""},
	}
	for _, tt := range tests {
		if got := d(context.Background(), tt.id); got != tt.want {
			t.Errorf("diagnose %q = %q, want %q", tt.id, got, tt.want)
		}
	}
}
