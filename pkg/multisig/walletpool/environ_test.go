package walletpool

import (
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"github.com/escrowd/escrowd/internal/osprobe"
)

// TestChildEnvironment: a real server's /proc/<pid>/environ holds PATH, the
// few passed variables and our marker, none of escrowd's secrets.
func TestChildEnvironment(t *testing.T) {
	requireBinary(t)
	const token = "api-token-that-must-stay-in-escrowd-0123456789"
	const headers = "authorization=Bearer otlp-secret-0123456789"
	t.Setenv("ESCROWD_API_TOKEN", token)
	t.Setenv("OTEL_EXPORTER_OTLP_HEADERS", headers)
	t.Setenv("ESCROWD_WALLET_RPC_LOGIN", "u:login-secret-0123456789")
	t.Setenv("LANG", "C.UTF-8")
	dir := filepath.Join(t.TempDir(), "wallets")
	sup, err := StartSupervisor(t.Context(), SupervisorConfig{Count: 1, WalletDir: dir, Logger: testLogger(t)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = sup.Stop(t.Context()) })
	pid := sup.Servers()[0].PID()
	env, err := osprobe.Environ(pid)
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for _, kv := range env {
		k, _, _ := strings.Cut(kv, "=")
		keys = append(keys, k)
		if !slices.Contains(append(passedEnv, "PATH", markerVar), k) {
			t.Errorf("server environment has %s", k)
		}
	}
	for _, secret := range []string{token, headers, "login-secret"} {
		if strings.Contains(strings.Join(env, "\n"), secret) {
			t.Errorf("server environment shows %q", secret)
		}
	}
	for _, want := range []string{"PATH=", "LANG=C.UTF-8", markerVar + "=" + dirToken(sup.cfg.WalletDir) + ":"} {
		if !slices.ContainsFunc(env, func(kv string) bool { return strings.HasPrefix(kv, want) }) {
			t.Errorf("server environment lacks %s: %q", want, keys)
		}
	}
	if owner, ok := markerOf(env, sup.cfg.WalletDir); !ok || owner != os.Getpid() {
		t.Errorf("marker names owner %d (%v), want this process %d", owner, ok, os.Getpid())
	}
	t.Logf("server pid %d environment keys: %s", pid, strings.Join(keys, " "))
}

func TestMarker(t *testing.T) {
	dir := "/data/wallets"
	mine := markerVar + "=" + dirToken(dir) + ":4242"
	tests := []struct {
		name      string
		env       []string
		wantOwner int
		wantOK    bool
	}{
		{"ours", []string{"PATH=/bin", mine}, 4242, true},
		{"none", []string{"PATH=/bin"}, 0, false},
		{"another dir's", []string{markerVar + "=" + dirToken("/other") + ":4242"}, 0, false},
		{"bad pid", []string{markerVar + "=" + dirToken(dir) + ":x"}, 0, false},
		{"no pid", []string{markerVar + "=" + dirToken(dir)}, 0, false},
		{"zero pid", []string{markerVar + "=" + dirToken(dir) + ":0"}, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			owner, ok := markerOf(tt.env, dir)
			if owner != tt.wantOwner || ok != tt.wantOK {
				t.Errorf("markerOf = %d, %v; want %d, %v", owner, ok, tt.wantOwner, tt.wantOK)
			}
		})
	}
	if dirToken(dir) != dirToken(dir) || dirToken(dir) == dirToken(dir+"/") {
		t.Error("dirToken is not a function of the path")
	}
	if got := childEnv(dir, 7); got[len(got)-1] != markerVar+"="+dirToken(dir)+":"+strconv.Itoa(7) {
		t.Errorf("childEnv ends with %q", got[len(got)-1])
	}
}

func TestServesDir(t *testing.T) {
	tests := []struct {
		args []string
		want bool
	}{
		{[]string{"monero-wallet-rpc", "--wallet-dir", "/d/wallets", "--offline"}, true},
		{[]string{"x", "--wallet-dir=/d/wallets"}, true},
		{[]string{"x", "--wallet-dir", "/d/wallets/sub"}, false},
		{[]string{"x", "--wallet-dir", "/d"}, false},
		{[]string{"x", "/d/wallets"}, false},
		{[]string{"x", "--wallet-dir"}, false},
	}
	for _, tt := range tests {
		if got := servesDir(tt.args, "/d/wallets"); got != tt.want {
			t.Errorf("servesDir(%q) = %v, want %v", tt.args, got, tt.want)
		}
	}
}
