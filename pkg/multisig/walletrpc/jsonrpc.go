package walletrpc

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

type request struct {
	JSONRPC string `json:"jsonrpc"`
	ID      uint64 `json:"id"`
	Method  string `json:"method"`
	Params  any    `json:"params,omitempty"`
}

type response struct {
	ID     json.RawMessage `json:"id"`
	Result json.RawMessage `json:"result"`
	Error  *struct {
		Code    int    `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// send is the innermost Invoker: one HTTP POST, one JSON-RPC answer.
func (c *Client) send(ctx context.Context, call *Call) error {
	if dl, ok := ctx.Deadline(); !ok || time.Until(dl) > c.timeout {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, c.timeout)
		defer cancel()
	}
	id := call.ID
	if id == 0 { // a Call made by hand rather than by Client.Call
		id = c.ids.Add(1)
	}
	body, err := json.Marshal(request{JSONRPC: "2.0", ID: id, Method: call.Method, Params: call.Params})
	if err != nil {
		return fmt.Errorf("wallet rpc %s: encode request: %w", call.Method, err)
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.postURL, bytes.NewReader(body))
	if err != nil {
		return fmt.Errorf("wallet rpc %s at %s: build request: %w", call.Method, c.endpoint, err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")

	res, err := c.http.Do(req)
	if err != nil {
		return c.transportError(ctx, call.Method, err)
	}
	defer res.Body.Close()

	// Read one byte past the limit to tell a full answer from a cut one.
	data, err := io.ReadAll(io.LimitReader(res.Body, c.maxBody+1))
	if err != nil {
		return c.transportError(ctx, call.Method, fmt.Errorf("read answer: %w", err))
	}
	switch {
	case res.StatusCode == http.StatusUnauthorized:
		return fmt.Errorf("wallet rpc %s at %s: %w (HTTP 401)", call.Method, c.endpoint, ErrUnauthorized)
	case res.StatusCode != http.StatusOK:
		return fmt.Errorf("wallet rpc %s at %s: %w: HTTP %d", call.Method, c.endpoint, ErrUnavailable, res.StatusCode)
	case int64(len(data)) > c.maxBody:
		return fmt.Errorf("wallet rpc %s at %s: %w: answer larger than %d bytes", call.Method, c.endpoint, ErrUnavailable, c.maxBody)
	}
	return c.decode(call, id, data)
}

// decode checks a JSON-RPC answer and fills call.Result. The body is never
// quoted in errors: results carry key material too.
func (c *Client) decode(call *Call, id uint64, data []byte) error {
	var res response
	if err := json.Unmarshal(data, &res); err != nil {
		return fmt.Errorf("wallet rpc %s at %s: %w: bad JSON answer: %w", call.Method, c.endpoint, ErrUnavailable, err)
	}
	if res.Error != nil {
		// The server answers id 0 to requests it could not parse, so an error's
		// id is not checked.
		return &Error{Method: call.Method, Endpoint: c.endpoint, Code: res.Error.Code, Message: res.Error.Message}
	}
	if got := string(bytes.TrimSpace(res.ID)); got != strconv.FormatUint(id, 10) {
		return fmt.Errorf("wallet rpc %s at %s: %w: answer id %.20q, want %d", call.Method, c.endpoint, ErrUnavailable, got, id)
	}
	if len(res.Result) == 0 || string(res.Result) == "null" {
		return fmt.Errorf("wallet rpc %s at %s: %w: answer has neither result nor error", call.Method, c.endpoint, ErrUnavailable)
	}
	if call.Result == nil {
		return nil
	}
	if err := json.Unmarshal(res.Result, call.Result); err != nil {
		return fmt.Errorf("wallet rpc %s at %s: %w: decode result: %w", call.Method, c.endpoint, ErrUnavailable, err)
	}
	return nil
}

// transportError names the call and reports either the context's end (which is
// the caller's doing, not the server's) or ErrUnavailable with the cause.
func (c *Client) transportError(ctx context.Context, method string, err error) error {
	if ctxErr := ctx.Err(); ctxErr != nil {
		return fmt.Errorf("wallet rpc %s at %s: %w", method, c.endpoint, ctxErr)
	}
	// url.Error repeats the URL, which the endpoint already names.
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	return fmt.Errorf("wallet rpc %s at %s: %w: %w", method, c.endpoint, ErrUnavailable, err)
}
