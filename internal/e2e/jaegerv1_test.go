package e2e

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
)

// The part of Jaeger's /api/traces/<id> answer (the UI's API) the tests
// read: OpenTelemetry attributes become "tags", span events "logs" whose
// "event" field is the event's name, and the span status the tags
// otel.status_code and error.

type v1Answer struct {
	Data []v1Trace `json:"data"`
}

type v1Trace struct {
	TraceID   string               `json:"traceID"`
	Spans     []v1Span             `json:"spans"`
	Processes map[string]v1Process `json:"processes"`
}

type v1Process struct {
	ServiceName string `json:"serviceName"`
	Tags        []v1KV `json:"tags"`
}

type v1Span struct {
	TraceID       string  `json:"traceID"`
	SpanID        string  `json:"spanID"`
	OperationName string  `json:"operationName"`
	StartTime     int64   `json:"startTime"` // µs since the epoch
	Duration      int64   `json:"duration"`  // µs
	Tags          []v1KV  `json:"tags"`
	Logs          []v1Log `json:"logs"`
	ProcessID     string  `json:"processID"`
}

type v1KV struct {
	Key   string `json:"key"`
	Type  string `json:"type"`
	Value any    `json:"value"`
}

type v1Log struct {
	Timestamp int64  `json:"timestamp"`
	Fields    []v1KV `json:"fields"`
}

// decodeV1 reads an answer that must hold exactly one trace.
func decodeV1(body []byte) (v1Trace, error) {
	var a v1Answer
	if err := json.Unmarshal(body, &a); err != nil {
		return v1Trace{}, fmt.Errorf("decode /api/traces answer: %w", err)
	}
	if len(a.Data) != 1 {
		return v1Trace{}, fmt.Errorf("/api/traces answer holds %d traces, want 1", len(a.Data))
	}
	return a.Data[0], nil
}

// lookup finds key among kvs, its value as text ("true", "2", "buyer").
func lookup(kvs []v1KV, key string) (string, bool) {
	for _, kv := range kvs {
		if kv.Key == key {
			return fmt.Sprint(kv.Value), true
		}
	}
	return "", false
}

func (s v1Span) tag(key string) (string, bool) { return lookup(s.Tags, key) }

// logsNamed are the span's logs whose "event" field is name.
func (s v1Span) logsNamed(name string) []v1Log {
	var out []v1Log
	for _, l := range s.Logs {
		if v, _ := lookup(l.Fields, "event"); v == name {
			out = append(out, l)
		}
	}
	return out
}

// keys lists the keys of kvs, for failure messages and the report.
func keys(kvs []v1KV) []string {
	out := make([]string, 0, len(kvs))
	for _, kv := range kvs {
		out = append(out, kv.Key)
	}
	return out
}

// names lists what Jaeger shows of a trace, one line per kind of span or
// log, as key:type, for the test log (the README documents these names).
func names(tr v1Trace) string {
	seen := map[string]bool{}
	var b strings.Builder
	line := func(kind string, kvs []v1KV) {
		parts := make([]string, 0, len(kvs))
		for _, kv := range kvs {
			parts = append(parts, kv.Key+":"+kv.Type)
		}
		slices.Sort(parts)
		l := kind + ": " + strings.Join(parts, " ")
		if !seen[l] {
			seen[l] = true
			b.WriteString(l + "\n")
		}
	}
	for _, p := range tr.Processes {
		line("process "+p.ServiceName, p.Tags)
	}
	for _, s := range tr.Spans {
		kind := "phase span"
		if _, ok := s.tag("rpc.method"); ok {
			kind = "rpc span"
		} else if s.OperationName == "escrow.setup" {
			kind = "root span"
		}
		line(kind, s.Tags)
		for _, l := range s.Logs {
			name, _ := lookup(l.Fields, "event")
			if strings.HasPrefix(name, "SNAPSHOT_") {
				name = "SNAPSHOT_*"
			}
			line(kind+" log "+name, l.Fields)
		}
	}
	return b.String()
}
