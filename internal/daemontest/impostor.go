package daemontest

import (
	"encoding/json"
	"io"
	"net"
	"net/http"
	"sync"
	"testing"
)

// Impostor is another program on a wallet server's port: an HTTP server
// that answers like a wallet server and records every request it gets.
type Impostor struct {
	// Port is the loopback port it listens on.
	Port int

	mu   sync.Mutex
	seen []string // Authorization header, a newline, then the body
}

// AnswerFunc answers one JSON-RPC request whose id is id.
type AnswerFunc func(w http.ResponseWriter, r *http.Request, id json.RawMessage)

// StartImpostor serves answer on ln (a new 127.0.0.1 port when ln is nil)
// until the test ends; a nil answer is AnswerVersion to every request.
func StartImpostor(tb testing.TB, ln net.Listener, answer AnswerFunc) *Impostor {
	tb.Helper()
	if ln == nil {
		var err error
		if ln, err = net.Listen("tcp", "127.0.0.1:0"); err != nil {
			tb.Fatal(err)
		}
	}
	if answer == nil {
		answer = func(w http.ResponseWriter, _ *http.Request, id json.RawMessage) { AnswerVersion(w, id) }
	}
	im := &Impostor{Port: ln.Addr().(*net.TCPAddr).Port}
	srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		im.mu.Lock()
		im.seen = append(im.seen, r.Header.Get("Authorization")+"\n"+string(body))
		im.mu.Unlock()
		var req struct {
			ID json.RawMessage `json:"id"`
		}
		_ = json.Unmarshal(body, &req)
		answer(w, r, req.ID)
	})}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	tb.Cleanup(func() { srv.Close() })
	return im
}

// Requests are the requests received so far: each the Authorization
// header, a newline, then the body.
func (im *Impostor) Requests() []string {
	im.mu.Lock()
	defer im.mu.Unlock()
	return append([]string(nil), im.seen...)
}

// AnswerVersion writes a wallet server's get_version result for id.
func AnswerVersion(w http.ResponseWriter, id json.RawMessage) {
	if len(id) == 0 {
		id = json.RawMessage("0")
	}
	w.Header().Set("Content-Type", "application/json")
	io.WriteString(w, `{"id":`+string(id)+`,"jsonrpc":"2.0","result":{"release":false,"version":65561}}`) //nolint:errcheck
}
