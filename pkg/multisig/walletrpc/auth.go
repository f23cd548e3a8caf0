package walletrpc

import (
	"io"
	"net/http"
	"sync"

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
