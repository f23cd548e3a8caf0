package wallettest

import (
	"bytes"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
)

// Canned is a scripted wallet RPC server in memory, for the faults and
// measurements a real server can't give (an error on demand, a call without
// a socket). It answers each method with its canned result or error, and
// anything else with an empty result, echoing the request's id. Use it as
// an http.RoundTripper (no socket) or as an http.Handler
// (httptest.NewServer). It is safe for concurrent use; fill the maps before
// the first call.
type Canned struct {
	// Results maps a method to its raw JSON result, e.g. "is_multisig" to
	// {"multisig":false,...}.
	Results map[string]string
	// Errors maps a method to the JSON-RPC error it answers instead.
	Errors map[string]CannedError

	calls atomic.Int64
	mu    sync.Mutex
	body  bytes.Buffer // reused: a benchmark measures the client, not this
}

// CannedError is a wallet's JSON-RPC error answer.
type CannedError struct {
	Code    int
	Message string
}

// ReadyResults are small, realistic answers of a ready 2-of-3 wallet.
func ReadyResults() map[string]string {
	return map[string]string{
		"get_version": `{"version":65562}`,
		"is_multisig": `{"multisig":true,"ready":true,"threshold":2,"total":3}`,
		"get_address": `{"address":"5benchmarkaddressbenchmarkaddressbenchmarkaddressbenchmarkaddress"}`,
		"get_balance": `{"balance":0,"unlocked_balance":0}`,
	}
}

// Calls is how many requests the wallet received.
func (w *Canned) Calls() int64 { return w.calls.Load() }

// RoundTrip answers req without a network.
func (w *Canned) RoundTrip(req *http.Request) (*http.Response, error) {
	answer, err := w.answer(req.Body)
	_ = req.Body.Close()
	if err != nil {
		return nil, err
	}
	return &http.Response{
		StatusCode: http.StatusOK, ProtoMajor: 1, ProtoMinor: 1, Request: req,
		Header:        http.Header{"Content-Type": {"application/json"}},
		Body:          io.NopCloser(bytes.NewReader(answer)),
		ContentLength: int64(len(answer)),
	}, nil
}

// ServeHTTP answers over a real HTTP server.
func (w *Canned) ServeHTTP(rw http.ResponseWriter, req *http.Request) {
	answer, err := w.answer(req.Body)
	if err != nil {
		http.Error(rw, err.Error(), http.StatusBadRequest)
		return
	}
	rw.Header().Set("Content-Type", "application/json")
	_, _ = rw.Write(answer)
}

func (w *Canned) answer(body io.Reader) ([]byte, error) {
	w.calls.Add(1)
	w.mu.Lock()
	w.body.Reset()
	_, err := w.body.ReadFrom(body)
	id := string(jsonField(w.body.Bytes(), `"id":`))
	method := string(bytes.Trim(jsonField(w.body.Bytes(), `"method":`), `"`))
	w.mu.Unlock()
	if err != nil {
		return nil, err
	}
	if e, ok := w.Errors[method]; ok {
		return []byte(`{"id":` + id + `,"jsonrpc":"2.0","error":{"code":` + strconv.Itoa(e.Code) +
			`,"message":` + strconv.Quote(e.Message) + `}}`), nil
	}
	result, ok := w.Results[method]
	if !ok {
		result = `{}`
	}
	return []byte(`{"id":` + id + `,"jsonrpc":"2.0","result":` + result + `}`), nil
}

// jsonField returns the raw value after key in a flat JSON object, up to the
// next ',' or '}': enough for the wallet client's own requests.
func jsonField(doc []byte, key string) []byte {
	i := bytes.Index(doc, []byte(key))
	if i < 0 {
		return nil
	}
	v := doc[i+len(key):]
	if j := bytes.IndexAny(v, ",}"); j >= 0 {
		v = v[:j]
	}
	return bytes.TrimSpace(v)
}
