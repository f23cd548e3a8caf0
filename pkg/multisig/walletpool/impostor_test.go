package walletpool

import (
	"encoding/json"
	"errors"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/internal/daemontest"
)

// TestImpostorPort: a process that binds a server's port first and answers
// like a wallet server never becomes the server: the supervisor's process
// ends up on another port, and the impostor never sees a password, neither
// the server's login nor the wallet password of a create_wallet sent once
// StartSupervisor returned.
func TestImpostorPort(t *testing.T) {
	requireBinary(t)
	impostors := []struct {
		name   string
		answer func(w http.ResponseWriter, r *http.Request, id json.RawMessage)
	}{
		{"answers everything", func(w http.ResponseWriter, _ *http.Request, id json.RawMessage) { daemontest.AnswerVersion(w, id) }},
		{"challenges, then accepts any digest", func(w http.ResponseWriter, r *http.Request, id json.RawMessage) {
			if !strings.HasPrefix(r.Header.Get("Authorization"), "Digest ") {
				w.Header().Set("WWW-Authenticate", `Digest qop="auth",algorithm=MD5,realm="monero-rpc",nonce="bm9uY2U=",stale=false`)
				w.WriteHeader(http.StatusUnauthorized)
				return
			}
			daemontest.AnswerVersion(w, id)
		}},
	}
	for _, tt := range impostors {
		t.Run(tt.name, func(t *testing.T) {
			im := daemontest.StartImpostor(t, nil, tt.answer)
			first := true
			pick := func() (int, error) {
				if first {
					first = false
					return im.Port, nil
				}
				return freePort()
			}
			sup, err := startSupervisor(t.Context(), SupervisorConfig{
				Count: 1, WalletDir: filepath.Join(t.TempDir(), "wallets"), Logger: testLogger(t),
			}, pick)
			if err != nil {
				t.Fatalf("StartSupervisor: %v", err)
			}
			t.Cleanup(func() { _ = sup.Stop(t.Context()) })
			s := sup.Servers()[0]
			if portOf(t, s) == im.Port {
				t.Fatalf("the server is the impostor's port %d", im.Port)
			}
			const walletPassword = "wallet-password-the-impostor-must-not-see"
			if err := s.Client().CreateWallet(t.Context(), "impostor-test", walletPassword); err != nil {
				t.Fatalf("create_wallet on the supervised server: %v", err)
			}
			if err := checkListener(s.PID(), portOf(t, s)); err != nil {
				t.Errorf("the server's port is not its process's: %v", err)
			}
			reqs := im.Requests()
			if len(reqs) == 0 {
				t.Error("the impostor was never asked: the test proves nothing")
			}
			user, pass := s.Client().Credentials()
			for _, r := range reqs {
				for _, secret := range []string{walletPassword, pass} {
					if strings.Contains(r, secret) {
						t.Errorf("the impostor received a password: %q", r)
					}
				}
				if !strings.Contains(r, `"get_version"`) {
					t.Errorf("the impostor received another call than get_version: %q", r)
				}
			}
			t.Logf("impostor on port %d got %d get_version requests (user %s); server on %s", im.Port, len(reqs), user, s.URL())
		})
	}
}

// TestCheckListener: the listener check tells the owner of a port from
// another process, and a port nobody listens on.
func TestCheckListener(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	port := ln.Addr().(*net.TCPAddr).Port
	child := startShell(t, "sleep 60")
	t.Cleanup(func() { terminate(t.Context(), child, 0) })
	free, err := freePort()
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		pid     int
		port    int
		wantErr bool
	}{
		{"owner", os.Getpid(), port, false},
		{"another process", child.cmd.Process.Pid, port, true},
		{"nobody listens", os.Getpid(), free, true},
	}
	for _, tt := range tests {
		err := checkListener(tt.pid, tt.port)
		if (err != nil) != tt.wantErr || err != nil && !isNotOurs(err) {
			t.Errorf("%s: checkListener = %v, want error %v (errNotOurs)", tt.name, err, tt.wantErr)
		}
	}
}

func isNotOurs(err error) bool { return errors.Is(err, errNotOurs) }
