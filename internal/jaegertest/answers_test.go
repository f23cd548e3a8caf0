package jaegertest

import "encoding/json"

// The answers of Jaeger 2.12's query API as measured by these tests; the
// analyzer's reader of /api/v3 must accept the same.

// v1Trace is GET /api/traces/<id>: {"data":[v1Trace], "total":0, "limit":0,
// "offset":0, "errors":null}. IDs are lowercase hex; times are microseconds.
type v1Trace struct {
	TraceID string `json:"traceID"`
	Spans   []struct {
		TraceID       string  `json:"traceID"`
		SpanID        string  `json:"spanID"`
		OperationName string  `json:"operationName"`
		StartTime     int64   `json:"startTime"`
		Duration      int64   `json:"duration"`
		Tags          []v1Tag `json:"tags"`
		Logs          []struct {
			Timestamp int64   `json:"timestamp"`
			Fields    []v1Tag `json:"fields"` // the event's name is the field "event"
		} `json:"logs"`
		References []struct {
			RefType string `json:"refType"`
			SpanID  string `json:"spanID"`
		} `json:"references"`
		ProcessID string `json:"processID"`
	} `json:"spans"`
	Processes map[string]struct {
		ServiceName string  `json:"serviceName"`
		Tags        []v1Tag `json:"tags"`
	} `json:"processes"`
}

type v1Tag struct {
	Key   string          `json:"key"`
	Type  string          `json:"type"` // string, bool, int64, float64, binary
	Value json.RawMessage `json:"value"`
}

func findTag(tags []v1Tag, key string) (v1Tag, bool) {
	for _, t := range tags {
		if t.Key == key {
			return t, true
		}
	}
	return v1Tag{}, false
}

// v3Answer is GET /api/v3/traces/<id>: OTLP/JSON TracesData under "result",
// with IDs in lowercase hex (not base64), 64-bit integers and nanosecond
// times as JSON strings, enums (kind, status code) as numbers.
type v3Answer struct {
	Result struct {
		ResourceSpans []struct {
			Resource struct {
				Attributes []v3KeyValue `json:"attributes"`
			} `json:"resource"`
			ScopeSpans []struct {
				Scope struct {
					Name string `json:"name"`
				} `json:"scope"`
				Spans []v3Span `json:"spans"`
			} `json:"scopeSpans"`
		} `json:"resourceSpans"`
	} `json:"result"`
}

type v3Span struct {
	TraceID           string       `json:"traceId"`
	SpanID            string       `json:"spanId"`
	ParentSpanID      string       `json:"parentSpanId"`
	Name              string       `json:"name"`
	Kind              int          `json:"kind"`
	StartTimeUnixNano string       `json:"startTimeUnixNano"`
	EndTimeUnixNano   string       `json:"endTimeUnixNano"`
	Attributes        []v3KeyValue `json:"attributes"`
	Events            []struct {
		TimeUnixNano string       `json:"timeUnixNano"`
		Name         string       `json:"name"`
		Attributes   []v3KeyValue `json:"attributes"`
	} `json:"events"`
	Status struct {
		Code    int    `json:"code"` // absent (0) unset, 1 ok, 2 error
		Message string `json:"message"`
	} `json:"status"`
}

type v3KeyValue struct {
	Key   string `json:"key"`
	Value struct {
		StringValue *string `json:"stringValue"`
		BoolValue   *bool   `json:"boolValue"`
		IntValue    *string `json:"intValue"` // a decimal string
	} `json:"value"`
}

func (a v3Answer) spans() []v3Span {
	var out []v3Span
	for _, rs := range a.Result.ResourceSpans {
		for _, ss := range rs.ScopeSpans {
			out = append(out, ss.Spans...)
		}
	}
	return out
}

func findAttr(kvs []v3KeyValue, key string) (v3KeyValue, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			return kv, true
		}
	}
	return v3KeyValue{}, false
}
