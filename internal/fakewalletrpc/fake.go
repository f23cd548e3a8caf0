package fakewalletrpc

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"sync/atomic"
	"syscall"

	"github.com/icholy/digest"
)

// Options change how the fake behaves.
type Options struct {
	// IgnoreTERM makes the process ignore SIGTERM: only SIGKILL ends it.
	IgnoreTERM bool
	// RefuseAutoRefresh makes auto_refresh answer an error, as a server
	// that does not know the method would.
	RefuseAutoRefresh bool
}

// Main runs the fake with a monero-wallet-rpc command line (args without
// the program name) until the process is killed. It returns only on a bad
// command line or a failure to listen, with the exit code to use.
func Main(args []string, opts Options, stderr io.Writer) int {
	if opts.IgnoreTERM {
		signal.Ignore(syscall.SIGTERM)
	}
	cfg, err := parseArgs(args)
	if err != nil {
		fmt.Fprintln(stderr, "fakewalletrpc:", err)
		return 2
	}
	ln, err := net.Listen("tcp", net.JoinHostPort(cfg.ip, cfg.port))
	if err != nil {
		fmt.Fprintln(stderr, "fakewalletrpc:", err)
		return 1
	}
	err = http.Serve(ln, handler(cfg.user, cfg.pass, opts))
	fmt.Fprintln(stderr, "fakewalletrpc:", err)
	return 1
}

type config struct {
	ip, port, user, pass string
}

// parseArgs reads the flags the supervisor sets; the others are ignored.
func parseArgs(args []string) (config, error) {
	c := config{ip: "127.0.0.1"}
	var configFile string
	for i := 0; i < len(args); i++ {
		name, val, hasVal := strings.Cut(args[i], "=")
		if !hasVal && i+1 < len(args) && !strings.HasPrefix(args[i+1], "--") {
			val = args[i+1]
			i++
		}
		switch name {
		case "--rpc-bind-ip":
			c.ip = val
		case "--rpc-bind-port":
			c.port = val
		case "--config-file":
			configFile = val
		}
	}
	if c.port == "" || configFile == "" {
		return c, errors.New("want --rpc-bind-port and --config-file")
	}
	data, err := os.ReadFile(configFile)
	if err != nil {
		return c, err
	}
	for _, line := range strings.Split(string(data), "\n") {
		if login, ok := strings.CutPrefix(strings.TrimSpace(line), "rpc-login="); ok {
			c.user, c.pass, _ = strings.Cut(login, ":")
		}
	}
	if c.user == "" {
		return c, fmt.Errorf("%s: no rpc-login=user:pass", configFile)
	}
	return c, nil
}

// Handler answers the methods below to requests that log in as user with
// pass by HTTP Digest, and 401 with a Digest challenge to others:
//   - get_version, as monero-wallet-rpc 0.18;
//   - auto_refresh {"enable": bool}, which sets the background refresh
//     (on at start, as the real server's);
//   - fake_state, the fake's own: {"auto_refresh": bool}, for tests to read
//     what the real server does not report.
func Handler(user, pass string) http.Handler { return handler(user, pass, Options{}) }

func handler(user, pass string, opts Options) http.Handler {
	var autoRefresh atomic.Bool
	autoRefresh.Store(true)
	nonce := make([]byte, 16)
	_, _ = rand.Read(nonce)
	chal := &digest.Challenge{
		Realm: "monero-rpc", Nonce: base64.StdEncoding.EncodeToString(nonce),
		Algorithm: "MD5", QOP: []string{"auth"},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(io.LimitReader(r.Body, 1<<20))
		if !authorized(r, chal, user, pass) {
			w.Header().Set("WWW-Authenticate", chal.String())
			http.Error(w, "401 Unauthorized", http.StatusUnauthorized)
			return
		}
		var req struct {
			ID     json.RawMessage `json:"id"`
			Method string          `json:"method"`
			Params struct {
				Enable *bool `json:"enable"`
			} `json:"params"`
		}
		if json.Unmarshal(body, &req) != nil || len(req.ID) == 0 {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		switch {
		case req.Method == "get_version":
			fmt.Fprintf(w, `{"id":%s,"jsonrpc":"2.0","result":{"release":false,"version":65561}}`, req.ID)
		case req.Method == "auto_refresh" && !opts.RefuseAutoRefresh:
			// The real server's default for a missing "enable" is true.
			autoRefresh.Store(req.Params.Enable == nil || *req.Params.Enable)
			fmt.Fprintf(w, `{"id":%s,"jsonrpc":"2.0","result":{}}`, req.ID)
		case req.Method == "fake_state":
			fmt.Fprintf(w, `{"id":%s,"jsonrpc":"2.0","result":{"auto_refresh":%t}}`, req.ID, autoRefresh.Load())
		default:
			fmt.Fprintf(w, `{"id":%s,"jsonrpc":"2.0","error":{"code":-32601,"message":"Method not found"}}`, req.ID)
		}
	})
}

// authorized checks the request's digest response against the one user and
// pass give for the same nonce, cnonce and count.
func authorized(r *http.Request, chal *digest.Challenge, user, pass string) bool {
	cred, err := digest.ParseCredentials(r.Header.Get("Authorization"))
	if err != nil || cred.Username != user || cred.Nonce != chal.Nonce {
		return false
	}
	want, err := digest.Digest(chal, digest.Options{
		Method: r.Method, URI: cred.URI, Count: cred.Nc, Cnonce: cred.Cnonce,
		Username: user, Password: pass,
	})
	if err != nil {
		return false
	}
	return subtle.ConstantTimeCompare([]byte(want.Response), []byte(cred.Response)) == 1
}
