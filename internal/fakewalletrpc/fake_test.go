package fakewalletrpc

import (
	"errors"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/escrowd/escrowd/pkg/multisig/walletrpc"
)

// TestHandler: the fake passes the checks a real server passes, for the
// right credentials only.
func TestHandler(t *testing.T) {
	srv := httptest.NewServer(Handler("u", "secret"))
	defer srv.Close()
	tests := []struct {
		name, user, pass string
		wantVerify       error
	}{
		{"right credentials", "u", "secret", nil},
		{"wrong password", "u", "other", walletrpc.ErrForeignServer},
		{"wrong user", "v", "secret", walletrpc.ErrForeignServer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := walletrpc.New(walletrpc.Options{URL: srv.URL, Username: tt.user, Password: tt.pass})
			if err != nil {
				t.Fatal(err)
			}
			if err := c.VerifyServer(t.Context()); !errors.Is(err, tt.wantVerify) {
				t.Fatalf("VerifyServer = %v, want %v", err, tt.wantVerify)
			}
			_, err = c.GetVersion(t.Context())
			if (err == nil) != (tt.wantVerify == nil) {
				t.Fatalf("GetVersion = %v", err)
			}
			if tt.wantVerify == nil {
				if err := c.OpenWallet(t.Context(), "w", "p"); !errors.Is(err, walletrpc.ErrMethodNotFound) {
					t.Errorf("open_wallet = %v, want method not found", err)
				}
			}
		})
	}
}

func TestParseArgs(t *testing.T) {
	conf := filepath.Join(t.TempDir(), "x.conf")
	if err := os.WriteFile(conf, []byte("rpc-login=escrowd-1:p:w\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		args    []string
		want    config
		wantErr bool
	}{
		{"supervisor's line", []string{"--rpc-bind-ip", "127.0.0.1", "--rpc-bind-port", "4242", "--wallet-dir", "/w", "--non-interactive", "--config-file", conf, "--offline"},
			config{ip: "127.0.0.1", port: "4242", user: "escrowd-1", pass: "p:w"}, false},
		{"= form", []string{"--rpc-bind-port=1", "--config-file=" + conf}, config{ip: "127.0.0.1", port: "1", user: "escrowd-1", pass: "p:w"}, false},
		{"no port", []string{"--config-file", conf}, config{}, true},
		{"missing config", []string{"--rpc-bind-port", "1", "--config-file", conf + ".missing"}, config{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseArgs(tt.args)
			if (err != nil) != tt.wantErr || err == nil && got != tt.want {
				t.Errorf("parseArgs = %+v, %v; want %+v", got, err, tt.want)
			}
		})
	}
}
