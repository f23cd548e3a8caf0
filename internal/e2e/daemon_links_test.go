package e2e

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
)

// The span relations a daemon test reads from Jaeger: v1 "references"
// (CHILD_OF for the parent, FOLLOWS_FROM for an OpenTelemetry link) and v3
// OTLP "links". decodeV1's v1Span leaves both out.

type v1Ref struct {
	RefType string `json:"refType"`
	TraceID string `json:"traceID"`
	SpanID  string `json:"spanID"`
}

// v1References maps each span ID of a one-trace /api/traces answer to its references.
func v1References(body []byte) (map[string][]v1Ref, error) {
	var a struct {
		Data []struct {
			Spans []struct {
				SpanID     string  `json:"spanID"`
				References []v1Ref `json:"references"`
			} `json:"spans"`
		} `json:"data"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("decode /api/traces references: %w", err)
	}
	if len(a.Data) != 1 {
		return nil, fmt.Errorf("/api/traces answer holds %d traces, want 1", len(a.Data))
	}
	out := map[string][]v1Ref{}
	for _, s := range a.Data[0].Spans {
		out[s.SpanID] = s.References
	}
	return out, nil
}

// v3Link is one link of an OTLP/JSON span as /api/v3 answers it (IDs in hex).
type v3Link struct {
	TraceID string `json:"traceId"`
	SpanID  string `json:"spanId"`
}

// v3Links maps the name of each span of a /api/v3/traces answer to the links
// of the spans so named.
func v3Links(body []byte) (map[string][]v3Link, error) {
	var a struct {
		Result struct {
			ResourceSpans []struct {
				ScopeSpans []struct {
					Spans []struct {
						Name  string   `json:"name"`
						Links []v3Link `json:"links"`
					} `json:"spans"`
				} `json:"scopeSpans"`
			} `json:"resourceSpans"`
		} `json:"result"`
	}
	if err := json.Unmarshal(body, &a); err != nil {
		return nil, fmt.Errorf("decode /api/v3/traces links: %w", err)
	}
	out := map[string][]v3Link{}
	for _, rs := range a.Result.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			for _, s := range ss.Spans {
				out[s.Name] = append(out[s.Name], s.Links...)
			}
		}
	}
	return out, nil
}

// callerContext is the trace context a test's HTTP client sends as a W3C
// traceparent: a trace and a span of the caller's own, sampled.
type callerContext struct {
	TraceID string // 32 lowercase hex
	SpanID  string // 16 lowercase hex
}

func newCallerContext() callerContext {
	return callerContext{TraceID: randomHex(16), SpanID: randomHex(8)}
}

// Traceparent is the header value: version 00, sampled.
func (c callerContext) Traceparent() string {
	return "00-" + c.TraceID + "-" + c.SpanID + "-01"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // never fails (crypto/rand panics instead)
	return hex.EncodeToString(b)
}
