package daemontest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"
)

// fakeDaemon writes a script that announces url like escrowd, logs a line,
// and ignores SIGTERM when stubborn.
func fakeDaemon(t *testing.T, url string, stubborn bool) string {
	t.Helper()
	trap := ""
	if stubborn {
		trap = "trap '' TERM\n"
	}
	script := "#!/bin/sh\n" + trap + "echo 'escrowd listening on " + url + "'\necho \"started $1\" >&2\nexec sleep 3600\n"
	path := filepath.Join(t.TempDir(), "fake-escrowd")
	if err := os.WriteFile(path, []byte(script), 0o700); err != nil {
		t.Fatal(err)
	}
	return path
}

// TestStartAndStop: Start reads the URL, waits for /readyz and captures the
// log; Stop ends a process that obeys SIGTERM without killing it, and kills
// one that ignores SIGTERM after the grace, saying so.
func TestStartAndStop(t *testing.T) {
	if _, err := os.Stat("/bin/sh"); err != nil {
		t.Skip("no /bin/sh")
	}
	ready := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/readyz" {
			http.NotFound(w, r)
		}
	}))
	defer ready.Close()
	for _, stubborn := range []bool{false, true} {
		p := Start(t, Options{Binary: fakeDaemon(t, ready.URL, stubborn), Args: []string{"arg1"}, StopTimeout: time.Second})
		if p.URL != ready.URL {
			t.Fatalf("URL %q, want %q", p.URL, ready.URL)
		}
		deadline := time.Now().Add(time.Minute)
		for !strings.Contains(p.Log(), "started arg1") {
			if time.Now().After(deadline) {
				t.Fatalf("log %q", p.Log())
			}
			time.Sleep(10 * time.Millisecond) // polling the child's stderr
		}
		err := p.Stop(syscall.SIGTERM, 500*time.Millisecond)
		select {
		case <-p.Exited():
		default:
			t.Fatal("Stop returned with the process running")
		}
		if killed := err != nil && strings.Contains(err.Error(), "killed"); killed != stubborn {
			t.Errorf("stubborn=%v: Stop error %v", stubborn, err)
		}
	}
}

func TestWaitReady(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer srv.Close()
	WaitReady(t, srv.URL, time.Minute)
}

func TestOfflineArgs(t *testing.T) {
	tests := []struct {
		args, want []string
	}{
		{nil, []string{"--offline"}},
		{[]string{"--pool-size", "3"}, []string{"--pool-size", "3", "--offline"}},
		{[]string{"--offline=false"}, []string{"--offline=false"}},
		{[]string{"-offline"}, []string{"-offline"}},
		{[]string{"--daemon-address", "127.0.0.1:1"}, []string{"--daemon-address", "127.0.0.1:1"}},
		{[]string{"--network=stagenet"}, []string{"--network=stagenet"}},
		{[]string{"--data-dir", "network"}, []string{"--data-dir", "network", "--offline"}},
	}
	for _, tt := range tests {
		if got := OfflineArgs(tt.args); !slices.Equal(got, tt.want) {
			t.Errorf("OfflineArgs(%q) = %q, want %q", tt.args, got, tt.want)
		}
	}
}
