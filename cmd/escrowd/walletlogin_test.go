package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestConfigWalletRPCLogin: external servers named on the command line get
// their login from ESCROWD_WALLET_RPC_LOGIN or the login file, never from
// the flag; a login file others can read is refused.
func TestConfigWalletRPCLogin(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "logins")
	if err := os.WriteFile(file, []byte("all:from-file\n127.0.0.1:2 two:second\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	loose := filepath.Join(dir, "loose")
	if err := os.WriteFile(loose, []byte("all:x\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(loose, 0o640); err != nil {
		t.Fatal(err)
	}
	servers := []string{"--wallet-rpc", "http://127.0.0.1:1", "--wallet-rpc", "http://127.0.0.1:2", "--wallet-rpc", "http://127.0.0.1:3"}
	tests := []struct {
		name    string
		args    []string
		env     map[string]string
		want    string // user:pass of the three servers
		wantErr string
	}{
		{"from the environment", servers, map[string]string{"ESCROWD_WALLET_RPC_LOGIN": "env:pw"}, "env:pw env:pw env:pw", ""},
		{"from the file", append(servers, "--wallet-rpc-login-file", file), nil, "all:from-file two:second all:from-file", ""},
		{"file from the environment", servers, map[string]string{"ESCROWD_WALLET_RPC_LOGIN_FILE": file}, "all:from-file two:second all:from-file", ""},
		{"URL in the environment", nil, map[string]string{"ESCROWD_WALLET_RPC": "http://a:b@127.0.0.1:1,http://127.0.0.1:2,http://127.0.0.1:3", "ESCROWD_WALLET_RPC_LOGIN": "env:pw"},
			"a:b env:pw env:pw", ""},
		{"loose file", append(servers, "--wallet-rpc-login-file", loose), nil, "", "has mode 640: others can read the passwords in it; run chmod 600"},
		{"both", append(servers, "--wallet-rpc-login-file", file), map[string]string{"ESCROWD_WALLET_RPC_LOGIN": "env:pw"}, "", "keep one"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := parseConfig(tt.args, envOf(tt.env), &bytes.Buffer{})
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("parseConfig = %v, want %q", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range c.WalletRPC {
				got = append(got, e.Username+":"+e.Password)
				if strings.Contains(e.URL, "@") {
					t.Errorf("URL %s keeps credentials", e.URL)
				}
			}
			if strings.Join(got, " ") != tt.want {
				t.Errorf("logins %q, want %q", got, tt.want)
			}
		})
	}
}
