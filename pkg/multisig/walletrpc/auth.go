package walletrpc

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/icholy/digest"
)

// digestTransport authenticates with HTTP Digest the way monero-wallet-rpc
// (epee) needs it.
//
// epee keeps the digest session per TCP connection: its own nonce, and a
// nonce count that must equal the number of authenticated requests on that
// connection so far. digest.Transport caches one challenge per host, so two
// requests on two connections (or out of order on one) get 401 "stale", and
// its single retry can fail the same way. Measured: 6 goroutines sharing one
// digest.Transport failed within the first calls.
//
// So requests through one digestTransport take turns, from sending the
// request until the answer's body is closed, which keeps them on one
// connection with nonce counts in order. This costs no throughput: the server
// handles one request at a time anyway. A new connection (after a timeout or a
// server restart) costs one extra round trip: the stale answer carries the new
// connection's nonce, and digest.Transport retries with it.
type digestTransport struct {
	turn chan struct{} // holds a token while a request is in flight
	next *digest.Transport
}

func newDigestTransport(user, password string, base http.RoundTripper) *digestTransport {
	return &digestTransport{
		turn: make(chan struct{}, 1),
		next: &digest.Transport{Username: user, Password: password, Transport: base},
	}
}

// RoundTrip waits for its turn (or the request's context), sends, and hands
// the turn on when the caller closes the body.
func (t *digestTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	select {
	case t.turn <- struct{}{}:
	case <-req.Context().Done():
		return nil, req.Context().Err()
	}
	res, err := t.next.RoundTrip(req)
	if err != nil {
		<-t.turn
		return nil, err
	}
	res.Body = &turnBody{ReadCloser: res.Body, release: sync.OnceFunc(func() { <-t.turn })}
	return res, nil
}

// CloseIdleConnections lets http.Client.CloseIdleConnections reach the pool.
func (t *digestTransport) CloseIdleConnections() { t.next.CloseIdleConnections() }

// turnBody ends the request's turn when closed.
type turnBody struct {
	io.ReadCloser
	release func()
}

func (b *turnBody) Close() error {
	err := b.ReadCloser.Close()
	b.release()
	return err
}

// ErrForeignServer: the server at the client's URL does not prove that it
// holds the client's credentials (VerifyServer). Whatever answers there is
// not the server the credentials were made for: nothing secret may be sent
// to it.
var ErrForeignServer = errors.New("wallet rpc server does not hold our credentials")

// verifyBody is the request VerifyServer sends: it carries nothing secret.
const verifyBody = `{"jsonrpc":"2.0","id":0,"method":"get_version"}`

// VerifyServer checks, before anything secret is sent, that the server at
// the client's URL is the one that holds the client's Digest credentials.
// Digest never sends the password, and a server that answers 200 to
// anything would pass a plain get_version; so it makes three requests, each
// on a connection of its own (epee keeps one digest session per connection):
//
//  1. without credentials: the answer must be 401 with a Digest challenge;
//  2. with the right user and a wrong password: it must be 401 again;
//  3. with the right credentials: it must be 200 with a JSON-RPC result.
//
// Only a server that can check the digest response, so that knows the
// password, tells 2 from 3. A failed check wraps ErrForeignServer; a server
// that cannot be reached wraps ErrUnavailable. A client without credentials
// cannot verify anything: that is an error too.
func (c *Client) VerifyServer(ctx context.Context) error {
	if c.user == "" {
		return fmt.Errorf("walletrpc: verify %s: the client has no credentials to verify", c.endpoint)
	}
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	wrong := make([]byte, 16)
	if _, err := rand.Read(wrong); err != nil {
		return fmt.Errorf("walletrpc: verify %s: %w", c.endpoint, err)
	}
	probes := []struct {
		what     string
		user     string
		pass     string
		wantCode int
	}{
		{"no credentials", "", "", http.StatusUnauthorized},
		{"a wrong password", c.user, hex.EncodeToString(wrong), http.StatusUnauthorized},
		{"our credentials", c.user, c.pass, http.StatusOK},
	}
	for _, p := range probes {
		code, body, err := c.probe(ctx, p.user, p.pass)
		if err != nil {
			return err
		}
		if code != p.wantCode {
			return fmt.Errorf("walletrpc: verify %s: with %s it answered HTTP %d, want %d: %w",
				c.endpoint, p.what, code, p.wantCode, ErrForeignServer)
		}
		if code == http.StatusOK {
			var r response
			if json.Unmarshal(body, &r) != nil || r.Error != nil || len(r.Result) == 0 || r.Result[0] != '{' {
				return fmt.Errorf("walletrpc: verify %s: get_version answered no result: %w", c.endpoint, ErrForeignServer)
			}
		}
	}
	return nil
}

// probe posts get_version on a fresh connection; with user set it answers
// the server's Digest challenge with user and pass. It returns the final
// status code and body. A 401 without a Digest challenge is ErrForeignServer.
func (c *Client) probe(ctx context.Context, user, pass string) (int, []byte, error) {
	tr := newTransport()
	defer tr.CloseIdleConnections()
	hc := &http.Client{Transport: tr, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	post := func(auth string) (*http.Response, []byte, error) {
		req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.postURL, strings.NewReader(verifyBody))
		if err != nil {
			return nil, nil, fmt.Errorf("walletrpc: verify %s: %w", c.endpoint, err)
		}
		req.Header.Set("Content-Type", "application/json")
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		res, err := hc.Do(req)
		if err != nil {
			return nil, nil, c.transportError(ctx, "get_version", err)
		}
		defer res.Body.Close()
		body, err := io.ReadAll(io.LimitReader(res.Body, 1<<16))
		if err != nil {
			return nil, nil, c.transportError(ctx, "get_version", err)
		}
		return res, body, nil
	}
	res, body, err := post("")
	if err != nil {
		return 0, nil, err
	}
	if res.StatusCode != http.StatusUnauthorized {
		return res.StatusCode, body, nil
	}
	chal, err := digest.FindChallenge(res.Header)
	if err != nil {
		return 0, nil, fmt.Errorf("walletrpc: verify %s: 401 without a usable Digest challenge: %w", c.endpoint, ErrForeignServer)
	}
	if user == "" {
		return res.StatusCode, body, nil
	}
	cred, err := digest.Digest(chal, digest.Options{Method: http.MethodPost, URI: res.Request.URL.RequestURI(), Count: 1, Username: user, Password: pass})
	if err != nil {
		return 0, nil, fmt.Errorf("walletrpc: verify %s: %w: %w", c.endpoint, err, ErrForeignServer)
	}
	res, body, err = post(cred.String())
	if err != nil {
		return 0, nil, err
	}
	return res.StatusCode, body, nil
}
