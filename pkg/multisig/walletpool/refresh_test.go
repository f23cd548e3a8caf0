package walletpool

import (
	"context"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeAutoRefresh reads the fake server's background refresh setting.
func fakeAutoRefresh(ctx context.Context, s *Server) (bool, error) {
	var st struct {
		AutoRefresh bool `json:"auto_refresh"`
	}
	err := s.Client().Call(ctx, "fake_state", nil, &st)
	return st.AutoRefresh, err
}

// TestBackgroundRefreshOff: with BackgroundRefreshOff every server has its
// background refresh off before it is handed out, again after a restart;
// without it the server's default (on) is left alone; a server that refuses
// the switch does not start and leaves no process.
func TestBackgroundRefreshOff(t *testing.T) {
	tests := []struct {
		name    string
		mode    string
		off     bool
		want    bool   // the servers' auto refresh
		wantErr string // StartSupervisor fails with it
	}{
		{name: "default leaves it on", mode: "serve", off: false, want: true},
		{name: "off at start and after a restart", mode: "serve", off: true, want: false},
		{name: "a server refusing the switch does not start", mode: "refuse-auto-refresh", off: true, wantErr: "turn background refresh off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Minute)
			defer cancel()
			before := len(supervisorGoroutines())
			sup, err := StartSupervisor(ctx, SupervisorConfig{
				Count: 2, Binary: fakeBinary(t, tt.mode), WalletDir: filepath.Join(t.TempDir(), "w"),
				Logger: testLogger(t), BackgroundRefreshOff: tt.off,
			})
			if tt.wantErr != "" {
				if err == nil {
					sup.Stop(context.Background())
					t.Fatal("StartSupervisor succeeded")
				}
				if !strings.Contains(err.Error(), tt.wantErr) {
					t.Errorf("err = %v, want it to say %q", err, tt.wantErr)
				}
				noGoroutinesLeft(t, before)
				return
			}
			if err != nil {
				t.Fatalf("StartSupervisor: %v", err)
			}
			t.Cleanup(func() { _ = sup.Stop(context.Background()) })
			for _, s := range sup.Servers() {
				if got, err := fakeAutoRefresh(ctx, s); err != nil || got != tt.want {
					t.Errorf("%s: auto refresh %v (err %v), want %v", s.ID(), got, err, tt.want)
				}
			}
			// A restarted server is a new process with the server's default:
			// the switch is set again before the server is healthy.
			s := sup.Servers()[0]
			oldPID := s.PID()
			if err := syscall.Kill(oldPID, syscall.SIGKILL); err != nil {
				t.Fatal(err)
			}
			for s.PID() == oldPID || !s.Healthy() {
				select {
				case <-ctx.Done():
					t.Fatalf("server not back after SIGKILL: %v", ctx.Err())
				case <-time.After(20 * time.Millisecond):
				}
			}
			if got, err := fakeAutoRefresh(ctx, s); err != nil || got != tt.want {
				t.Errorf("%s after a restart: auto refresh %v (err %v), want %v", s.ID(), got, err, tt.want)
			}
		})
	}
}
