package walletpool

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/url"
	"os"
	"strings"
	"syscall"
)

// LoginEnv is the environment variable that holds "user:pass" for the
// external wallet servers whose URL carries no credentials.
const LoginEnv = "ESCROWD_WALLET_RPC_LOGIN"

// maxLoginFile bounds a login file: a few lines are expected.
const maxLoginFile = 64 << 10

// URLSource says where an external server's URL came from, which decides
// whether it may carry credentials.
type URLSource int

const (
	// FromEnvironment: a variable such as ESCROWD_WALLET_RPC, which only
	// the process's user can read; user:pass@ is taken from it.
	FromEnvironment URLSource = iota
	// FromCommandLine: a flag, which every local user can read (ps,
	// /proc/<pid>/cmdline); user:pass@ in it is refused.
	FromCommandLine
)

// ErrCredentialsInArgs is returned by ParseExternal for a command-line URL
// with user:pass@ in it.
var ErrCredentialsInArgs = errors.New("credentials in a command-line URL are visible to every local user")

// ParseExternal parses an external server's URL,
// http(s)://[user:pass@]host:port[/json_rpc]. The External it returns has
// the URL without credentials (safe to show) and the credentials apart.
// Errors never quote the credentials.
func ParseExternal(raw string, src URLSource) (External, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Opaque != "" {
		return External{}, errors.New("want an http(s)://host:port URL")
	}
	if _, port, err := net.SplitHostPort(u.Host); err != nil || port == "" {
		return External{}, errors.New("want an http(s)://host:port URL with the port")
	}
	ext := External{}
	if u.User != nil {
		if src == FromCommandLine {
			return External{}, fmt.Errorf("%w: drop user:pass@ and put user:pass in %s or in a file (mode 0600) named by --wallet-rpc-login-file, or give the whole URL in ESCROWD_WALLET_RPC instead",
				ErrCredentialsInArgs, LoginEnv)
		}
		ext.Username = u.User.Username()
		ext.Password, _ = u.User.Password()
		if ext.Username == "" {
			return External{}, errors.New("user:pass@ in the URL has an empty user")
		}
		u.User = nil
	}
	ext.URL = u.String()
	return ext, nil
}

// Logins are credentials for the external servers whose URL carries none:
// one login for every server, and logins for given host:port endpoints.
type Logins struct {
	all    *login
	byHost map[string]login
}

type login struct{ user, pass string }

// LoadLogins reads the logins from envValue (LoginEnv's value: "user:pass"
// for every server) or from file (see ParseLogins), whichever is set; both
// set is an error, neither gives no logins. The file must be a regular file
// that only its owner can read or write (chmod 600): it holds passwords.
func LoadLogins(envValue, file string) (Logins, error) {
	switch {
	case envValue != "" && file != "":
		return Logins{}, fmt.Errorf("wallet RPC logins: both %s and a login file are set; keep one", LoginEnv)
	case envValue != "":
		l, err := parseLogin(envValue)
		if err != nil {
			return Logins{}, fmt.Errorf("%s: %w", LoginEnv, err)
		}
		return Logins{all: &l}, nil
	case file != "":
		text, err := readPrivateFile(file)
		if err != nil {
			return Logins{}, fmt.Errorf("wallet RPC login file: %w", err)
		}
		ls, err := ParseLogins(text)
		if err != nil {
			return Logins{}, fmt.Errorf("wallet RPC login file %s: %w", file, err)
		}
		return ls, nil
	}
	return Logins{}, nil
}

// ParseLogins parses a login file: one login a line, either "user:pass"
// (every server) or "host:port user:pass" (the server at that endpoint,
// which wins over the former). Blank lines and lines starting with # are
// skipped. Passwords cannot hold spaces. Errors give the line number, never
// the line.
func ParseLogins(text string) (Logins, error) {
	ls := Logins{byHost: map[string]login{}}
	sc := bufio.NewScanner(strings.NewReader(text))
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		var host string
		switch len(f) {
		case 1:
		case 2:
			host = f[0]
			if _, port, err := net.SplitHostPort(host); err != nil || port == "" {
				return Logins{}, fmt.Errorf("line %d: want [host:port] user:pass; %q is no host:port", n, host)
			}
		default:
			return Logins{}, fmt.Errorf("line %d: want [host:port] user:pass (no spaces in the password)", n)
		}
		l, err := parseLogin(f[len(f)-1])
		if err != nil {
			return Logins{}, fmt.Errorf("line %d: %w", n, err)
		}
		if host == "" {
			if ls.all != nil {
				return Logins{}, fmt.Errorf("line %d: a second login for every server", n)
			}
			ls.all = &l
			continue
		}
		if _, dup := ls.byHost[host]; dup {
			return Logins{}, fmt.Errorf("line %d: a second login for %s", n, host)
		}
		ls.byHost[host] = l
	}
	if err := sc.Err(); err != nil {
		return Logins{}, err
	}
	return ls, nil
}

func parseLogin(s string) (login, error) {
	user, pass, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || user == "" {
		return login{}, errors.New("want user:pass")
	}
	return login{user: user, pass: pass}, nil
}

// Apply returns exts with the credentials of the ones without any filled
// in: the login for their host:port, else the login for every server.
// Credentials an External already has are kept.
func (ls Logins) Apply(exts []External) []External {
	out := make([]External, len(exts))
	for i, e := range exts {
		out[i] = e
		if e.Username != "" {
			continue
		}
		var host string
		if u, err := url.Parse(e.URL); err == nil {
			host = u.Host
		}
		if l, ok := ls.byHost[host]; ok {
			out[i].Username, out[i].Password = l.user, l.pass
		} else if ls.all != nil {
			out[i].Username, out[i].Password = ls.all.user, ls.all.pass
		}
	}
	return out
}

// readPrivateFile reads a regular file, not through a symlink, that neither
// group nor others may access.
func readPrivateFile(path string) (string, error) {
	f, err := os.OpenFile(path, os.O_RDONLY|syscall.O_NOFOLLOW, 0)
	if err != nil {
		return "", err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return "", err
	}
	if !fi.Mode().IsRegular() {
		return "", fmt.Errorf("%s is not a regular file", path)
	}
	if perm := fi.Mode().Perm(); perm&0o077 != 0 {
		return "", fmt.Errorf("%s has mode %o: others can read the passwords in it; run chmod 600 %s", path, perm, path)
	}
	data, err := io.ReadAll(io.LimitReader(f, maxLoginFile+1))
	if err != nil {
		return "", err
	}
	if len(data) > maxLoginFile {
		return "", fmt.Errorf("%s is over %d bytes: not a login file", path, maxLoginFile)
	}
	return string(data), nil
}
