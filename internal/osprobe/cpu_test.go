package osprobe

import (
	"os"
	"testing"
	"time"
)

func TestParseCPUTicks(t *testing.T) {
	tests := []struct {
		name    string
		stat    string
		want    uint64
		wantErr bool
	}{
		{"plain", "1234 (monero-wallet-r) S 1 1234 1234 0 -1 4194560 1 0 0 0 150 25 0 0 20 0 4 0 100 1 1", 175, false},
		{"name with spaces and parens", "7 (a) b (c) R 1 7 7 0 -1 0 0 0 0 0 3 4 0 0 20 0 1 0 5 1 1", 7, false},
		{"truncated", "7 (x) R 1 7 7", 0, true},
		{"no name", "garbage", 0, true},
		{"not a number", "7 (x) R 1 7 7 0 -1 0 0 0 0 0 u s 0 0", 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseCPUTicks([]byte(tt.stat))
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("parseCPUTicks = %d, %v; want %d, error %t", got, err, tt.want, tt.wantErr)
			}
		})
	}
}

// TestCPUTimeOfSelf reads this test's own /proc entry: a process that has
// run has used some CPU, and no more than it has existed.
func TestCPUTimeOfSelf(t *testing.T) {
	for i := 0; i < 5e6; i++ { // spend a few ms of CPU so that a tick has passed
		_ = i * i
	}
	d, err := CPUTime(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if d < 0 || d > time.Hour {
		t.Fatalf("own CPU time %v", d)
	}
	if sum, err := TotalCPUTime([]int{os.Getpid(), os.Getpid()}); err != nil || sum < 2*d {
		t.Fatalf("TotalCPUTime of self twice = %v, %v; want >= %v", sum, err, 2*d)
	}
	if _, err := CPUTime(-1); err == nil {
		t.Fatal("pid -1: want an error")
	}
}
