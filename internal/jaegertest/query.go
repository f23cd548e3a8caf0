package jaegertest

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"
)

// defaultWait bounds WaitTrace when ctx has no deadline of its own. A trace is
// queryable 1-4 ms after export with this config; the rest is slack for a
// loaded machine and the exporter's own batching.
const defaultWait = 15 * time.Second

// get fetches path (with query q) from the query API. A non-2xx answer is not
// an error: its body and status are returned for the caller to judge.
func (j *Jaeger) get(ctx context.Context, path string, q url.Values) (json.RawMessage, int, error) {
	u := j.QueryURL() + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, 0, fmt.Errorf("jaeger query %s: %w", path, err)
	}
	resp, err := j.client.Do(req)
	if err != nil {
		return nil, 0, fmt.Errorf("jaeger query %s: %w", path, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, resp.StatusCode, fmt.Errorf("jaeger query %s: read body: %w", path, err)
	}
	return body, resp.StatusCode, nil
}

// Trace is GET /api/traces/<traceID>, the API of the Jaeger UI: 200 with
// {"data":[{"traceID","spans":[...],"processes":{...}}]}, or 404 for a trace
// Jaeger does not have. traceID is 32 lowercase hex characters.
func (j *Jaeger) Trace(ctx context.Context, traceID string) (json.RawMessage, int, error) {
	return j.get(ctx, "/api/traces/"+url.PathEscape(traceID), nil)
}

// TraceV3 is GET /api/v3/traces/<traceID>: 200 with OTLP/JSON under
// {"result":{"resourceSpans":[...]}}, or 404 for an unknown trace.
func (j *Jaeger) TraceV3(ctx context.Context, traceID string) (json.RawMessage, int, error) {
	return j.get(ctx, "/api/v3/traces/"+url.PathEscape(traceID), nil)
}

// v1Answer is the part of a v1 /api/traces answer that the helper reads.
type v1Answer struct {
	Data []struct {
		TraceID string            `json:"traceID"`
		Spans   []json.RawMessage `json:"spans"`
	} `json:"data"`
}

// FindByTag returns the IDs of the traces of service that have a span with
// the tag key=value, newest first, through the v1 search (the v3 search needs
// more parameters, and v1 is what the UI uses). Jaeger 2.12's search by
// error=true is broken (it matches OK spans); search by other tags works.
func (j *Jaeger) FindByTag(ctx context.Context, service, key, value string) ([]string, error) {
	tags, err := json.Marshal(map[string]string{key: value})
	if err != nil {
		return nil, fmt.Errorf("jaeger search %s=%s: %w", key, value, err)
	}
	q := url.Values{"service": {service}, "tags": {string(tags)}, "limit": {"1000"}}
	body, status, err := j.get(ctx, "/api/traces", q)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("jaeger search %s=%s in %s: HTTP %d: %s", key, value, service, status, body)
	}
	var a v1Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("jaeger search %s=%s: decode: %w", key, value, err)
	}
	ids := make([]string, 0, len(a.Data))
	for _, t := range a.Data {
		ids = append(ids, t.TraceID)
	}
	return ids, nil
}

// WaitTrace polls Trace until the trace has at least minSpans spans and
// returns that v1 answer. It gives up when ctx ends, or after defaultWait
// when ctx has no deadline, with the last answer seen.
func (j *Jaeger) WaitTrace(ctx context.Context, traceID string, minSpans int) (json.RawMessage, error) {
	if _, ok := ctx.Deadline(); !ok {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, defaultWait)
		defer cancel()
	}
	last := "no answer"
	for delay := 2 * time.Millisecond; ; delay = min(2*delay, 100*time.Millisecond) {
		body, seen, err := j.traceProgress(ctx, traceID, minSpans)
		if err != nil {
			return nil, err
		}
		if body != nil {
			return body, nil
		}
		// A request cut short by the deadline itself says nothing new.
		if ctx.Err() == nil || last == "no answer" {
			last = seen
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("jaeger trace %s: waiting for %d spans: %w (last: %s)", traceID, minSpans, ctx.Err(), last)
		case <-time.After(delay):
		}
	}
}

// traceProgress makes one attempt of WaitTrace: the v1 answer when the trace
// has minSpans spans, else what was seen ("HTTP 404", "3 of 4 spans", a
// transport error). err is set only for an answer that cannot be read.
func (j *Jaeger) traceProgress(ctx context.Context, traceID string, minSpans int) (body json.RawMessage, seen string, err error) {
	body, status, err := j.Trace(ctx, traceID)
	switch {
	case err != nil:
		return nil, err.Error(), nil
	case status != http.StatusOK:
		return nil, fmt.Sprintf("HTTP %d", status), nil
	}
	n, err := spanCount(body)
	if err != nil {
		return nil, "", fmt.Errorf("jaeger trace %s: %w", traceID, err)
	}
	if n < minSpans {
		return nil, fmt.Sprintf("%d of %d spans", n, minSpans), nil
	}
	return body, "", nil
}

// spanCount counts the spans of a v1 trace answer.
func spanCount(body []byte) (int, error) {
	var a v1Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return 0, fmt.Errorf("decode v1 answer: %w", err)
	}
	n := 0
	for _, t := range a.Data {
		n += len(t.Spans)
	}
	return n, nil
}
