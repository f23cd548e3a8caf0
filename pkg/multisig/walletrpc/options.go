package walletrpc

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Defaults applied by New to zero Options fields.
const (
	DefaultTimeout          = 2 * time.Minute
	DefaultMaxResponseBytes = 16 << 20
)

// rpcPath is where monero-wallet-rpc serves JSON-RPC.
const rpcPath = "/json_rpc"

// Options configures a Client.
type Options struct {
	// URL is the server's base URL, e.g. "http://127.0.0.1:18083"; the client
	// posts to URL+"/json_rpc". A URL already ending in /json_rpc is accepted.
	// The port must be explicit: monero-wallet-rpc has no default port.
	URL string
	// Username and Password are the HTTP Digest credentials (--rpc-login).
	// An empty Username means no authentication.
	Username string
	Password string
	// HTTPClient is optional. By default the client owns one with a
	// keep-alive transport sized for a few concurrent calls per server.
	HTTPClient *http.Client
	// Timeout is the per-call deadline, applied to each request to the server
	// when ctx has no earlier deadline. Zero means DefaultTimeout.
	Timeout time.Duration
	// MaxResponseBytes bounds how much of an answer is read; a longer answer
	// fails with ErrUnavailable. Zero means DefaultMaxResponseBytes.
	MaxResponseBytes int64
	// Middleware is wrapped around the single call path, first = outermost.
	Middleware []Middleware
}

// target is the validated form of Options.URL.
type target struct {
	postURL  string // where requests go
	endpoint string // host:port, for errors and middleware
}

// parseURL checks that raw is an http(s) URL with an explicit host:port and no
// credentials, and returns where to post.
func parseURL(raw string) (target, error) {
	if raw == "" {
		return target{}, errors.New("walletrpc: empty URL")
	}
	u, err := url.Parse(raw)
	if err != nil {
		// url.Error quotes the whole URL, credentials included: keep only
		// the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return target{}, fmt.Errorf("walletrpc: URL must be http(s)://host:port: %w", err)
	}
	shown := u.Redacted()
	if u.Scheme != "http" && u.Scheme != "https" {
		return target{}, fmt.Errorf("walletrpc: URL %q: scheme must be http or https", shown)
	}
	// Credentials in the URL would end up in error strings (url.Error quotes
	// the URL); they belong in Options.Username/Password.
	if u.User != nil {
		return target{}, errors.New("walletrpc: URL must not contain credentials; use Options.Username and Options.Password")
	}
	host, port, err := net.SplitHostPort(u.Host)
	if err != nil || host == "" || port == "" {
		return target{}, fmt.Errorf("walletrpc: URL %q: want host:port, e.g. http://127.0.0.1:18083", shown)
	}
	if u.RawQuery != "" || u.Fragment != "" {
		return target{}, fmt.Errorf("walletrpc: URL %q: must not have a query or fragment", shown)
	}
	path := strings.TrimSuffix(u.Path, "/")
	if !strings.HasSuffix(path, rpcPath) {
		path += rpcPath
	}
	post := url.URL{Scheme: u.Scheme, Host: u.Host, Path: path}
	return target{postURL: post.String(), endpoint: u.Host}, nil
}

// newTransport is the default transport: the standard one, with enough idle
// connections per host that concurrent calls to one server reuse connections
// instead of redialling.
func newTransport() *http.Transport {
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 64
	tr.MaxIdleConnsPerHost = 8
	tr.IdleConnTimeout = 90 * time.Second
	return tr
}
