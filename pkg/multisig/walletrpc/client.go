package walletrpc

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"
	"time"
)

// Client talks to one monero-wallet-rpc server. It is safe for concurrent use.
type Client struct {
	target
	http    *http.Client
	timeout time.Duration
	maxBody int64
	ids     *atomic.Uint64 // shared by With copies, so ids stay unique per server
	mws     []Middleware
	invoke  Invoker
	user    string
	pass    string
}

// New validates opts and returns a Client. It does not contact the server.
func New(opts Options) (*Client, error) {
	t, err := parseURL(opts.URL)
	if err != nil {
		return nil, err
	}
	if opts.Timeout < 0 {
		return nil, fmt.Errorf("walletrpc: negative Timeout %v", opts.Timeout)
	}
	if opts.MaxResponseBytes < 0 {
		return nil, fmt.Errorf("walletrpc: negative MaxResponseBytes %d", opts.MaxResponseBytes)
	}
	if opts.Username == "" && opts.Password != "" {
		return nil, fmt.Errorf("walletrpc: Password set without Username")
	}
	c := &Client{
		target:  t,
		timeout: opts.Timeout,
		maxBody: opts.MaxResponseBytes,
		ids:     new(atomic.Uint64),
		mws:     slices.Clone(opts.Middleware),
		user:    opts.Username,
		pass:    opts.Password,
	}
	if c.timeout == 0 {
		c.timeout = DefaultTimeout
	}
	if c.maxBody == 0 {
		c.maxBody = DefaultMaxResponseBytes
	}
	c.http = httpClient(opts)
	c.invoke = chain(c.send, c.mws)
	return c, nil
}

// httpClient builds the one HTTP client (and so the one digest session, see
// digestTransport) that a Client and its With copies share.
func httpClient(opts Options) *http.Client {
	var hc http.Client
	if opts.HTTPClient != nil {
		hc = *opts.HTTPClient // a copy: the caller's client is not modified
	} else {
		hc.Transport = newTransport()
	}
	if opts.Username != "" {
		base := hc.Transport
		if base == nil {
			base = http.DefaultTransport
		}
		hc.Transport = newDigestTransport(opts.Username, opts.Password, base)
	}
	return &hc
}

// Credentials are the HTTP Digest username and password the client logs in
// with. They exist to be handed on (to a proxy, to a secret scan in tests);
// never log them.
func (c *Client) Credentials() (username, password string) { return c.user, c.pass }

// Endpoint is the server's host:port.
func (c *Client) Endpoint() string { return c.endpoint }

// With returns a copy of c that shares its transport, credentials and request
// ids, with mw appended inside c's middleware (mw[0] runs after c's last).
func (c *Client) With(mw ...Middleware) *Client {
	cp := *c
	cp.mws = append(slices.Clone(c.mws), mw...)
	cp.invoke = chain(cp.send, cp.mws)
	return &cp
}

// Call sends method with params (omitted when nil) and decodes the answer's
// result into result (a pointer, or nil to discard it). It is the single path
// every request takes, through the client's middleware.
func (c *Client) Call(ctx context.Context, method string, params, result any) error {
	return c.invoke(ctx, &Call{Method: method, Endpoint: c.endpoint, ID: c.ids.Add(1), Params: params, Result: result})
}
