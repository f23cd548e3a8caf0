package walletpool

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestParseExternal(t *testing.T) {
	tests := []struct {
		name    string
		raw     string
		src     URLSource
		want    External
		wantErr string // substring; "" = no error
	}{
		{"plain", "http://127.0.0.1:18083", FromCommandLine, External{URL: "http://127.0.0.1:18083"}, ""},
		{"rpc path kept", "http://127.0.0.1:18083/json_rpc", FromCommandLine, External{URL: "http://127.0.0.1:18083/json_rpc"}, ""},
		{"credentials from the environment", "http://u:p:w@127.0.0.1:1", FromEnvironment, External{URL: "http://127.0.0.1:1", Username: "u", Password: "p:w"}, ""},
		{"credentials on the command line", "http://u:pw@127.0.0.1:1", FromCommandLine, External{},
			"visible to every local user: drop user:pass@ and put user:pass in ESCROWD_WALLET_RPC_LOGIN or in a file (mode 0600) named by --wallet-rpc-login-file"},
		{"user only on the command line", "http://u@127.0.0.1:1", FromCommandLine, External{}, "visible to every local user"},
		{"empty user", "http://:pw@127.0.0.1:1", FromEnvironment, External{}, "empty user"},
		{"no scheme", "u:pw@127.0.0.1:1", FromEnvironment, External{}, "want an http(s)://host:port URL"},
		{"no port", "http://127.0.0.1", FromCommandLine, External{}, "with the port"},
		{"other scheme", "ftp://127.0.0.1:1", FromCommandLine, External{}, "want an http(s)://host:port URL"},
		{"unparseable", "http://u:pw@127.0.0.1:1/%zz", FromEnvironment, External{}, "want an http(s)://host:port URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ParseExternal(tt.raw, tt.src)
			if tt.wantErr == "" {
				if err != nil || got != tt.want {
					t.Fatalf("ParseExternal = %+v, %v; want %+v", got, err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("ParseExternal = %+v, %v; want error %q", got, err, tt.wantErr)
			}
			if strings.Contains(err.Error(), "pw") {
				t.Errorf("the error shows the password: %v", err)
			}
			if tt.src == FromCommandLine && strings.Contains(tt.raw, "@") && !errors.Is(err, ErrCredentialsInArgs) {
				t.Errorf("err = %v, want ErrCredentialsInArgs", err)
			}
		})
	}
}

func TestParseLogins(t *testing.T) {
	exts := []External{
		{URL: "http://127.0.0.1:1"},
		{URL: "http://127.0.0.1:2/json_rpc"},
		{URL: "http://127.0.0.1:3", Username: "own", Password: "url"},
	}
	tests := []struct {
		name    string
		text    string
		want    []string // user:pass per ext after Apply
		wantErr string
	}{
		{"one for all", "escrowd:s3cret\n", []string{"escrowd:s3cret", "escrowd:s3cret", "own:url"}, ""},
		{"per endpoint over all", "# logins\n\nall:a\n127.0.0.1:2 two:b:c\n", []string{"all:a", "two:b:c", "own:url"}, ""},
		{"per endpoint only", "127.0.0.1:1 one:x", []string{"one:x", ":", "own:url"}, ""},
		{"empty", "", []string{":", ":", "own:url"}, ""},
		{"no colon", "justauser\n", nil, "line 1: want user:pass"},
		{"empty user", "\n:pw\n", nil, "line 2: want user:pass"},
		{"space in password", "u:p w x\n", nil, "line 1: want [host:port] user:pass (no spaces"},
		{"bad endpoint", "localhost u:p\n", nil, `line 1: want [host:port] user:pass; "localhost" is no host:port`},
		{"two for all", "a:b\nc:d\n", nil, "line 2: a second login for every server"},
		{"two for one endpoint", "h:1 a:b\nh:1 c:d\n", nil, "line 2: a second login for h:1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls, err := ParseLogins(tt.text)
			if tt.wantErr != "" {
				if err == nil || err.Error() != tt.wantErr && !strings.HasPrefix(err.Error(), tt.wantErr) {
					t.Fatalf("ParseLogins = %v, want %q", err, tt.wantErr)
				}
				for _, secret := range []string{"pw", "p w", "d"} {
					if strings.Contains(err.Error(), ":"+secret) {
						t.Errorf("the error shows a password: %v", err)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, e := range ls.Apply(exts) {
				got = append(got, e.Username+":"+e.Password)
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("after Apply: %q, want %q", got, tt.want)
			}
		})
	}
	if exts[0].Username != "" {
		t.Error("Apply changed its argument")
	}
}

func TestLoadLogins(t *testing.T) {
	dir := t.TempDir()
	write := func(name, text string, mode os.FileMode) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(text), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(p, mode); err != nil {
			t.Fatal(err)
		}
		return p
	}
	private := write("login", "u:from-file\n", 0o600)
	readable := write("login-644", "u:from-file\n", 0o644)
	huge := write("huge", strings.Repeat("#\n", maxLoginFile), 0o600)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(private, link); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name     string
		env      string
		file     string
		wantPass string
		wantErr  string
	}{
		{"neither", "", "", "", ""},
		{"environment", "u:from-env", "", "from-env", ""},
		{"file", "", private, "from-file", ""},
		{"both", "u:from-env", private, "", "both ESCROWD_WALLET_RPC_LOGIN and a login file are set"},
		{"bad environment", "nocolon", "", "", "ESCROWD_WALLET_RPC_LOGIN: want user:pass"},
		{"readable by others", "", readable, "", "has mode 644: others can read the passwords in it; run chmod 600"},
		{"symlink", "", link, "", "too many levels of symbolic links"},
		{"directory", "", dir, "", "is not a regular file"},
		{"missing", "", filepath.Join(dir, "missing"), "", "no such file"},
		{"too big", "", huge, "", "not a login file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ls, err := LoadLogins(tt.env, tt.file)
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("LoadLogins = %v, want %q", err, tt.wantErr)
				}
				if strings.Contains(err.Error(), "from-") {
					t.Errorf("the error shows a password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got := ls.Apply([]External{{URL: "http://127.0.0.1:1"}})[0]
			if got.Password != tt.wantPass {
				t.Errorf("password %q, want %q", got.Password, tt.wantPass)
			}
		})
	}
}
