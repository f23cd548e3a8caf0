package walletrpc

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// fakeRequest is a request as the fake server decodes it; Params stays raw so
// tests can tell absent from present.
type fakeRequest struct {
	JSONRPC string          `json:"jsonrpc"`
	ID      json.RawMessage `json:"id"`
	Method  string          `json:"method"`
	Params  json.RawMessage `json:"params"`
}

// fakeServer answers JSON-RPC with answer, for parsing and middleware tests
// that need no wallet.
func fakeServer(t testing.TB, answer func(w http.ResponseWriter, r *http.Request, req fakeRequest)) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(r.Body)
		if err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		var req fakeRequest
		if err := json.Unmarshal(body, &req); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		answer(w, r, req)
	}))
	t.Cleanup(srv.Close)
	return srv
}

// answerResult writes a successful answer echoing the request's id.
func answerResult(w http.ResponseWriter, req fakeRequest, result string) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = io.WriteString(w, `{"id":`+string(req.ID)+`,"jsonrpc":"2.0","result":`+result+`}`)
}

func newFakeClient(t testing.TB, url string, opts Options) *Client {
	t.Helper()
	opts.URL = url
	c, err := New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return c
}
